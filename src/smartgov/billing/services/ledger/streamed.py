"""A batch posted on the guess that its transfer ids are new (PostgreSQL; a bulk issue's always are).

Nothing looks the batch's ids up beforehand: the insert does that anyway, in the primary key, and
here it skips an id already stored (``ON CONFLICT (id) DO NOTHING``). The batch is decided and sent
in chunks, in one pipeline, so the server inserts one chunk while Python decides the next (the
machine's cores work side by side instead of in turn). A last statement stores the balances and
moves the head only if every admitted row went in.

The guess fails when an id was stored already, or when any transfer is refused (a refusal may hide
a replay, which only the exact road answers as ``exists``): the rows sent are deleted again — they
hold the sequence numbers after the head's, which nobody else can write while we hold the head — and
the caller takes the exact road, in the same transaction and under the same lock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from smartgov.billing.models import LedgerTransfer
from smartgov.kit import clock
from smartgov.ledger import Transfer, TransferResult, chains
from smartgov.tenancy.models import Tenant

from .decide import decide
from .pg import bound_cursor
from .read import lock_and_load
from .write import balances_and_head_ctes, insert_params, insert_sql

R = TransferResult
CHUNK = 125  # transfers decided, then sent, at a time (tests make it small to cross chunk borders)


def post_guessing_new(
    tenant: Tenant, transfers: Sequence[Transfer], now: datetime | None, system: bool
) -> list[TransferResult] | None:
    """The batch's results, or None (nothing written) if the guess failed."""
    head, state = lock_and_load(tenant, transfers, assume_new=True)
    now = now or clock.now()  # read once the lock is held, as on the exact road
    last = head.last_timestamp
    results: list[TransferResult] = []
    sent = 0
    table = LedgerTransfer._meta.db_table
    insert = insert_sql(skip_stored=True).replace("%s", "%b")  # %b: binary parameters
    with bound_cursor() as cursor, cursor.connection.pipeline():
        for chunk in _chunks(transfers):
            chunk_results, last = decide(state, chunk, now, last, system)
            results += chunk_results
            if not all(r is R.OK for r in chunk_results):
                _delete_sent(cursor, tenant, head.last_seq)
                return None
            # Each transfer admitted adds exactly one entry to state.new, in order.
            new = list(islice(state.new.values(), sent, None))
            cursor.execute(insert, insert_params(tenant, head.last_seq + sent, new))
            sent += len(new)
        # Balances and head move only if all `sent` rows went in (an int we counted: safe as a literal).
        parts, params = balances_and_head_ctes(
            head, state.touched(), head.last_seq + sent, last, guard=f" AND (SELECT c FROM n) = {int(sent)}"  # noqa: S608
        )
        count = f"n AS (SELECT count(*) AS c FROM {table} WHERE tenant_id = %s AND seq > %s)"  # noqa: S608
        sql = "WITH " + ", ".join([count, *parts]) + " SELECT c FROM n"  # noqa: S608
        params = [tenant.pk, head.last_seq, *params]
        final = bound_cursor()
        final.execute(sql.replace("%s", "%b"), params)
        (went_in,) = final.fetchone()
        if went_in == sent:
            return results
        _delete_sent(cursor, tenant, head.last_seq)
    return None


def _chunks(transfers: Sequence[Transfer]) -> Iterator[Sequence[Transfer]]:
    """Whole chains (``rules.chains``: a chain is decided as one), gathered until about CHUNK."""
    chunk: list[Transfer] = []
    for chain in chains(transfers):
        chunk += chain
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _delete_sent(cursor: Any, tenant: Tenant, last_seq: int) -> None:
    table = LedgerTransfer._meta.db_table
    cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %b AND seq > %b", [tenant.pk, last_seq])  # noqa: S608
