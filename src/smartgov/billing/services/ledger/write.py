"""Write what a batch admitted: the transfers, the touched balances and the head."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection

from smartgov.billing.models import LedgerAccount, LedgerHead, LedgerTransfer
from smartgov.ledger import Balance, Transfer
from smartgov.tenancy.models import Tenant

from .pg import bound_cursor
from .state import State


def write(tenant: Tenant, head: LedgerHead, state: State, last: datetime | None) -> None:
    new = list(state.new.values())
    for t in new:
        # Admitted transfers are resolved: every field is filled in (``rules.resolve``).
        assert t.debit_account_id and t.credit_account_id and t.amount and t.ledger and t.currency and t.code
        assert t.timestamp is not None
    touched = state.touched()
    if connection.vendor == "postgresql":
        _write_pg(tenant, head, new, touched, last)
    else:
        _write_orm(tenant, head, new, touched, last)


def _write_orm(
    tenant: Tenant, head: LedgerHead, new: list[Transfer], touched: list[tuple[UUID, Balance]], last: datetime | None
) -> None:
    rows = []
    for n, t in enumerate(new, start=1):
        assert t.debit_account_id and t.credit_account_id and t.amount and t.ledger and t.currency and t.code
        assert t.timestamp is not None  # (checked in write(); repeated for the type checker)
        rows.append(
            LedgerTransfer(
                id=t.id,
                tenant_id=tenant.pk,
                seq=head.last_seq + n,
                timestamp=t.timestamp,
                phase=t.phase.value,
                debit_account_id=t.debit_account_id,
                credit_account_id=t.credit_account_id,
                amount=t.amount,
                ledger=t.ledger,
                currency=t.currency,
                code=t.code,
                pending_id=t.pending_id,
                timeout=t.timeout,
                linked=t.linked,
                refs=dict(t.refs),
            )
        )
    if rows:
        LedgerTransfer.objects.bulk_create(rows, batch_size=500)
    for account_id, b in touched:
        LedgerAccount.objects.filter(pk=account_id).update(
            debits_pending=b.debits_pending,
            debits_posted=b.debits_posted,
            credits_pending=b.credits_pending,
            credits_posted=b.credits_posted,
        )
    LedgerHead.objects.filter(pk=head.pk).update(last_seq=head.last_seq + len(new), last_timestamp=last)


_INSERT_PG = (
    "INSERT INTO {table} (tenant_id, id, seq, timestamp, phase, debit_account_id, credit_account_id, amount, ledger,"
    " currency, code, pending_id, timeout, linked, refs)"
    " SELECT %s::uuid, u.id, %s::bigint + u.n, u.ts, u.phase, u.dr, u.cr, u.amount, u.ledger, u.currency, u.code,"
    " u.pending_id, u.timeout, u.linked, %s::jsonb -> (u.n - 1)::int"
    " FROM unnest(%s::uuid[], %s::timestamptz[], %s::text[], %s::uuid[], %s::uuid[], %s::bigint[], %s::text[],"
    " %s::text[], %s::text[], %s::uuid[], %s::bigint[], %s::bool[])"
    " WITH ORDINALITY AS u(id, ts, phase, dr, cr, amount, ledger, currency, code, pending_id, timeout, linked, n)"
)


# jsonb keeps its own key order, so the text need not be sorted; compact separators send less.
_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def insert_sql(*, skip_stored: bool = False) -> str:
    """The INSERT of admitted transfers from one array per column (``insert_params``);
    ``skip_stored`` leaves out ids already in the table instead of failing on them."""
    return _INSERT_PG.format(table=LedgerTransfer._meta.db_table) + (
        " ON CONFLICT (id) DO NOTHING" if skip_stored else ""
    )


def insert_params(tenant: Tenant, base_seq: int, new: list[Transfer]) -> list[Any]:
    """``insert_sql``'s parameters: the rows get sequence numbers base_seq + 1, + 2, ..."""
    # One pass over the batch, then turned into one array per column (the order of _INSERT_PG); the
    # refs go as one JSON array, encoded in one call (per-row encoding cost more than the insert's
    # per-row look-up into it).
    refs = _json([dict(t.refs) for t in new])
    rows = [
        (
            t.id,
            t.timestamp,
            t.phase.value,
            t.debit_account_id,
            t.credit_account_id,
            t.amount,
            t.ledger,
            t.currency,
            t.code,
            t.pending_id,
            t.timeout,
            t.linked,
        )
        for t in new
    ]
    return [tenant.pk, base_seq, refs, *(list(column) for column in zip(*rows, strict=True))]


def balances_and_head_ctes(
    head: LedgerHead, touched: list[tuple[UUID, Balance]], new_seq: int, last: datetime | None, guard: str = ""
) -> tuple[list[str], list[Any]]:
    """Data-modifying CTEs that store the touched balances and move the head; ``guard`` (SQL without
    parameters) is added to both WHERE clauses."""
    parts: list[str] = []
    params: list[Any] = []
    if touched:
        values = ", ".join(["(%s::uuid, %s::bigint, %s::bigint, %s::bigint, %s::bigint)"] * len(touched))
        parts.append(
            f"bal AS (UPDATE {LedgerAccount._meta.db_table} AS a SET debits_pending = v.dp, debits_posted = v.dq, "  # noqa: S608
            f"credits_pending = v.cp, credits_posted = v.cq FROM (VALUES {values}) AS v(id, dp, dq, cp, cq) "
            f"WHERE a.id = v.id{guard})"
        )
        for account_id, b in touched:
            params += [account_id, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted]
    parts.append(
        f"head AS (UPDATE {LedgerHead._meta.db_table} SET last_seq = %s, last_timestamp = %s WHERE id = %s{guard})"  # noqa: S608
    )
    params += [new_seq, last, head.pk]
    return parts, params


def _write_pg(
    tenant: Tenant, head: LedgerHead, new: list[Transfer], touched: list[tuple[UUID, Balance]], last: datetime | None
) -> None:
    """Transfers, balances and the head in one statement (data-modifying CTEs), so a posting costs
    the same few round trips whether it carries one transfer or a thousand. (COPY would be faster
    still, but COPY cannot write into a table under row-level security.)"""
    parts: list[str] = []
    params: list[Any] = []
    if new:
        parts.append(f"ins AS ({insert_sql()})")
        params += insert_params(tenant, head.last_seq, new)
    more, more_params = balances_and_head_ctes(head, touched, head.last_seq + len(new), last)
    with bound_cursor() as cursor:
        # %b: parameters in binary, no quoting or escaping of the arrays' elements.
        cursor.execute(("WITH " + ", ".join(parts + more) + " SELECT 1").replace("%s", "%b"), params + more_params)
