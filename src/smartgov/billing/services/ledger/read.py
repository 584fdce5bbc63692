"""Lock the tenant's ledger head and read what a batch needs, in one round trip on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import connection

from smartgov.billing.models import LedgerAccount, LedgerHead, LedgerTransfer
from smartgov.ledger import Account, Balance, Transfer
from smartgov.tenancy.models import Tenant

from .accounts import remember
from .pg import bound_cursor
from .rows import account_from_json, json_rows, to_account, to_balance, to_transfer, transfer_from_json
from .state import State


def lock_head(tenant: Tenant) -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(tenant=tenant).first()
    if head is None:
        LedgerHead.objects.bulk_create([LedgerHead(tenant=tenant)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(tenant=tenant)
    return head


_HEAD_PG = "SELECT id, last_seq, last_timestamp FROM {table} WHERE tenant_id = %s FOR UPDATE"


def lock_and_load(
    tenant: Tenant, batch: Sequence[Transfer], *, assume_new: bool = False
) -> tuple[LedgerHead, State]:
    """Lock the head, then read what the batch needs. On PostgreSQL both statements go in one
    pipeline (one round trip): the server runs them in order, so the read's snapshot is taken after
    the lock is held and sees every posting committed before it. ``assume_new`` skips looking up
    the batch's own ids (the caller then lets the insert find any that exist: ``write``)."""
    ids = [] if assume_new else [t.id for t in batch if isinstance(t.id, UUID)]
    pending_ids = list({t.pending_id for t in batch if isinstance(t.pending_id, UUID)})
    account_ids = list({v for t in batch for v in (t.debit_account_id, t.credit_account_id) if isinstance(v, UUID)})
    if connection.vendor != "postgresql":
        head = lock_head(tenant)
        transfers, accounts = _read_orm(tenant, ids, pending_ids, account_ids)
        return head, State.of(pending_ids, transfers, accounts)
    sql = _READ_PG.format(transfers=LedgerTransfer._meta.db_table, accounts=LedgerAccount._meta.db_table)
    params = {"tenant": tenant.pk, "ids": ids, "pids": pending_ids, "aids": account_ids}
    lock = bound_cursor()
    with lock.connection.pipeline():
        lock.execute(_HEAD_PG.format(table=LedgerHead._meta.db_table), [tenant.pk])
        read = bound_cursor()
        read.execute(sql.replace(")s::", ")b::"), params)
    found = lock.fetchone()
    if found is None:  # the tenant's first posting: create the head, lock it, read again
        lock_head(tenant)
        return lock_and_load(tenant, batch, assume_new=assume_new)
    head = LedgerHead(id=found[0], tenant=tenant, last_seq=found[1], last_timestamp=found[2])
    transfers, accounts = _parse_pg(read.fetchone(), tenant)
    remember(tenant.pk, (a for a, _b in accounts))
    return head, State.of(pending_ids, transfers, accounts)


def _read_orm(
    tenant: Tenant, ids: list[UUID], pending_ids: list[UUID], account_ids: list[UUID]
) -> tuple[list[Transfer], list[tuple[Account, Balance]]]:
    found: dict[UUID, Transfer] = {}
    if ids or pending_ids:
        for row in LedgerTransfer.objects.filter(tenant=tenant, id__in=set(ids) | set(pending_ids)):
            found[row.id] = to_transfer(row)
        for row in LedgerTransfer.objects.filter(tenant=tenant, pending_id__in=pending_ids):
            found[row.id] = to_transfer(row)
        # A replayed post needs its pending transfer to be compared field for field.
        more = {t.pending_id for t in found.values() if t.pending_id is not None} - found.keys()
        for row in LedgerTransfer.objects.filter(tenant=tenant, id__in=more):
            found[row.id] = to_transfer(row)
    wanted = set(account_ids) | {v for t in found.values() for v in (t.debit_account_id, t.credit_account_id) if v}
    accounts = [(to_account(r), to_balance(r)) for r in LedgerAccount.objects.filter(tenant=tenant, id__in=wanted)]
    return list(found.values()), accounts


_READ_PG = """
WITH t AS (
  SELECT * FROM {transfers}
    WHERE id = ANY(%(ids)s::uuid[]) OR id = ANY(%(pids)s::uuid[]) OR pending_id = ANY(%(pids)s::uuid[])
), p AS (
  SELECT * FROM {transfers}
    WHERE id IN (SELECT pending_id FROM t WHERE pending_id IS NOT NULL) AND id NOT IN (SELECT id FROM t)
), found AS (SELECT * FROM t UNION ALL SELECT * FROM p)
SELECT
  (SELECT coalesce(json_agg(found), '[]') FROM found),
  (SELECT coalesce(json_agg(a), '[]') FROM {accounts} a WHERE a.tenant_id = %(tenant)s
     AND (a.id = ANY(%(aids)s::uuid[]) OR a.id IN (SELECT debit_account_id FROM found)
          OR a.id IN (SELECT credit_account_id FROM found)))
"""
# The transfer look-ups go by primary key and the pending_id index only: adding ``tenant_id = …``
# made the planner walk the tenant's whole (tenant, seq) index instead, once per batch, so posting
# slowed down as the ledger grew. Row-level security scopes them to the tenant, and _parse_pg drops
# anything of another tenant all the same (transfer ids are global primary keys).


def _parse_pg(row: Any, tenant: Tenant) -> tuple[list[Transfer], list[tuple[Account, Balance]]]:
    """The read's one row: the transfers and the accounts as JSON arrays."""
    transfers_json, accounts_json = row
    mine = str(tenant.pk)
    transfers = [transfer_from_json(r) for r in json_rows(transfers_json) if r["tenant_id"] == mine]
    return transfers, [account_from_json(r) for r in json_rows(accounts_json)]
