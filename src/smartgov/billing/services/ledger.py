"""The database-backed ledger: ``smartgov.ledger``'s rules over the LedgerAccount/LedgerTransfer tables.

Every decision is made by the pure core (``ledger.rules.validate_transfer``, ``resolve``, ``apply``);
this module only reads what the rules need, in as few queries as it can, and writes what they allow.
A batch (``create_transfers``) runs in one transaction:

1. lock the tenant's ``LedgerHead`` row: postings of one tenant are serialised, so the balances read
   next cannot change under us and sequence numbers and timestamps strictly increase;
2. read the transfers with the batch's ids (idempotency), the pending transfers the batch resolves and
   whatever already resolved them, and the accounts involved with their cached balances;
3. decide each transfer in memory in order, chains (``linked``) succeeding or failing as one;
4. insert the admitted transfers in one statement and write each touched account's new balance.

The unique index on ``pending_id`` backs the "resolved at most once" rule at the database level.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connection, transaction

from smartgov.billing.chart import AccountSpec
from smartgov.billing.models import LedgerAccount, LedgerHead, LedgerTransfer
from smartgov.kit import clock
from smartgov.kit.errors import Conflict
from smartgov.ledger import (
    MAX_AMOUNT,
    ZERO,
    Account,
    Balance,
    Phase,
    Side,
    Transfer,
    TransferResult,
    apply,
    expiry_transfer,
    resolve,
    validate_transfer,
)
from smartgov.tenancy.models import Tenant

R = TransferResult
_TICK = timedelta(microseconds=1)
_MISSING: Any = object()


class LedgerRefused(Conflict):
    """A posting the ledger refused; ``details`` lists each transfer's result."""

    code = "ledger_refused"


class BalanceOverflow(Exception):
    """A balance column would leave the signed 64-bit range (no realistic ledger gets there)."""


# -- conversions -------------------------------------------------------------------------------


def to_account(row: LedgerAccount) -> Account:
    return Account(
        id=row.id,
        code=row.code,
        ledger=row.ledger,
        currency=row.currency,
        normal=Side(row.normal),
        debits_must_not_exceed_credits=row.debits_must_not_exceed_credits,
        credits_must_not_exceed_debits=row.credits_must_not_exceed_debits,
    )


def to_balance(row: LedgerAccount) -> Balance:
    return Balance(row.debits_pending, row.debits_posted, row.credits_pending, row.credits_posted)


def to_transfer(row: LedgerTransfer) -> Transfer:
    return Transfer(
        id=row.id,
        debit_account_id=row.debit_account_id,
        credit_account_id=row.credit_account_id,
        amount=row.amount,
        ledger=row.ledger,
        currency=row.currency,
        code=row.code,
        phase=Phase(row.phase),
        pending_id=row.pending_id,
        timeout=row.timeout,
        linked=row.linked,
        refs=dict(row.refs or {}),
        timestamp=row.timestamp,
    )


# -- accounts ----------------------------------------------------------------------------------


def ensure_accounts(tenant: Tenant, specs: Iterable[AccountSpec]) -> dict[str, LedgerAccount]:
    """The accounts named by ``specs``, created when missing (concurrent creators both succeed).
    An existing account with other flags is refused: accounts are immutable like transfers."""
    specs = list(specs)
    wanted = {(s.ledger, s.code, s.currency): s for s in specs}
    with transaction.atomic():
        found = _accounts_by_key(tenant, wanted)
        missing = [s for key, s in wanted.items() if key not in found]
        if missing:
            now = clock.now()
            LedgerAccount.objects.bulk_create(
                [
                    LedgerAccount(
                        tenant=tenant,
                        code=s.code,
                        ledger=s.ledger,
                        currency=s.currency,
                        normal=s.normal.value,
                        debits_must_not_exceed_credits=s.debits_must_not_exceed_credits,
                        credits_must_not_exceed_debits=s.credits_must_not_exceed_debits,
                        created_at=now,
                    )
                    for s in missing
                ],
                ignore_conflicts=True,
            )
            found = _accounts_by_key(tenant, wanted)
    for key, spec in wanted.items():
        row = found[key]
        if (Side(row.normal), row.debits_must_not_exceed_credits, row.credits_must_not_exceed_debits) != (
            spec.normal,
            spec.debits_must_not_exceed_credits,
            spec.credits_must_not_exceed_debits,
        ):
            raise Conflict(f"ledger account {spec.code} exists with other flags", code="account_exists_differently")
    return {key[1]: found[key] for key in wanted}


def _accounts_by_key(tenant: Tenant, wanted: dict[tuple[str, str, str], Any]) -> dict[tuple[str, str, str], Any]:
    codes = {key[1] for key in wanted}
    rows = LedgerAccount.objects.filter(tenant=tenant, code__in=codes)
    return {(r.ledger, r.code, r.currency): r for r in rows if (r.ledger, r.code, r.currency) in wanted}


# -- transfers ---------------------------------------------------------------------------------


class _State:
    """What the rules need, loaded for one batch, with an undo log for linked chains."""

    def __init__(
        self,
        accounts: dict[UUID, Account],
        balances: dict[UUID, Balance],
        transfers: dict[UUID, Transfer],
        resolutions: dict[UUID, Transfer],
    ) -> None:
        self.accounts = accounts
        self.balances = balances
        self.transfers = transfers  # stored before the batch, plus admitted in it
        self.resolutions = resolutions  # pending id -> its post/void/expiry
        self.new: dict[UUID, Transfer] = {}  # admitted in this batch, in order
        self.touched: set[UUID] = set()
        self.undo: list[tuple[dict[Any, Any], Any, Any]] | None = None

    def set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if self.undo is not None:
            self.undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def rollback(self) -> None:
        assert self.undo is not None
        for table, key, old in reversed(self.undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self.undo = []


def _lock_head(tenant: Tenant) -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(tenant=tenant).first()
    if head is None:
        LedgerHead.objects.bulk_create([LedgerHead(tenant=tenant)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(tenant=tenant)
    return head


_HEAD_PG = "SELECT id, last_seq, last_timestamp FROM {table} WHERE tenant_id = %s FOR UPDATE"


def _lock_and_load(tenant: Tenant, batch: Sequence[Transfer]) -> tuple[LedgerHead, _State]:
    """Lock the head, then read what the batch needs. On PostgreSQL both statements go in one
    pipeline (one round trip): the server runs them in order, so the read's snapshot is taken after
    the lock is held and sees every posting committed before it."""
    ids = [t.id for t in batch if isinstance(t.id, UUID)]
    pending_ids = list({t.pending_id for t in batch if isinstance(t.pending_id, UUID)})
    account_ids = list({v for t in batch for v in (t.debit_account_id, t.credit_account_id) if isinstance(v, UUID)})
    if connection.vendor != "postgresql":
        head = _lock_head(tenant)
        return head, _state(pending_ids, *_read_orm(tenant, ids, pending_ids, account_ids))
    connection.ensure_connection()
    raw = connection.connection
    sql = _READ_PG.format(transfers=LedgerTransfer._meta.db_table, accounts=LedgerAccount._meta.db_table)
    params = {"tenant": tenant.pk, "ids": ids, "pids": pending_ids, "aids": account_ids}
    with raw.pipeline():
        lock = _bound_cursor(raw)
        lock.execute(_HEAD_PG.format(table=LedgerHead._meta.db_table), [tenant.pk])
        read = _bound_cursor(raw)
        read.execute(sql.replace(")s::", ")b::"), params)
    found = lock.fetchone()
    if found is None:  # the tenant's first posting: create the head, lock it, read again
        _lock_head(tenant)
        return _lock_and_load(tenant, batch)
    head = LedgerHead(id=found[0], tenant=tenant, last_seq=found[1], last_timestamp=found[2])
    return head, _state(pending_ids, *_parse_pg(read.fetchone(), tenant))


def _bound_cursor(raw: Any) -> Any:
    """A server-side-binding cursor with binary parameters on Django's psycopg connection (same
    session and transaction). Django's own cursor renders parameters into the SQL text, which for
    the batch's arrays of a thousand ids and amounts costs more than the statement itself."""
    import psycopg

    return psycopg.Cursor(raw)


def _state(
    pending_ids: list[UUID], transfer_rows: list[Transfer], account_rows: list[tuple[Account, Balance]]
) -> _State:
    transfers: dict[UUID, Transfer] = {}
    resolutions: dict[UUID, Transfer] = {}
    asked = set(pending_ids)
    for t in transfer_rows:
        transfers[t.id] = t
        if t.pending_id is not None and t.pending_id in asked:
            resolutions[t.pending_id] = t  # at most one: pending_id is unique
    accounts = {a.id: a for a, _b in account_rows}
    balances = {a.id: b for a, b in account_rows}
    return _State(accounts, balances, transfers, resolutions)


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
    transfers = [_transfer_from_json(r) for r in _json(transfers_json) if r["tenant_id"] == mine]
    accounts = [
        (
            Account(
                id=UUID(r["id"]),
                code=r["code"],
                ledger=r["ledger"],
                currency=r["currency"],
                normal=Side(r["normal"]),
                debits_must_not_exceed_credits=r["debits_must_not_exceed_credits"],
                credits_must_not_exceed_debits=r["credits_must_not_exceed_debits"],
            ),
            Balance(r["debits_pending"], r["debits_posted"], r["credits_pending"], r["credits_posted"]),
        )
        for r in _json(accounts_json)
    ]
    return transfers, accounts


def _json(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str | bytes) else list(value or [])


def _transfer_from_json(r: dict[str, Any]) -> Transfer:
    return Transfer(
        id=UUID(r["id"]),
        debit_account_id=UUID(r["debit_account_id"]),
        credit_account_id=UUID(r["credit_account_id"]),
        amount=r["amount"],
        ledger=r["ledger"],
        currency=r["currency"],
        code=r["code"],
        phase=Phase(r["phase"]),
        pending_id=UUID(r["pending_id"]) if r["pending_id"] else None,
        timeout=r["timeout"],
        linked=r["linked"],
        refs=r["refs"] or {},
        timestamp=datetime.fromisoformat(r["timestamp"]),
    )


def create_transfers(
    tenant: Tenant, transfers: Sequence[Transfer], *, system: bool = False, now: datetime | None = None
) -> list[TransferResult]:
    """Apply a batch in one transaction; one result per transfer, as ``ledger.core.Ledger`` would
    answer. Refused transfers are not stored (their ids stay free); ``exists`` is a replay.
    ``now`` (default: the platform clock) is the commit time; ``system`` allows expiries."""
    if not transfers:
        return []
    # No savepoint: a failure here undoes the caller's whole transaction anyway (and it saves two
    # round trips on every posting).
    with transaction.atomic(savepoint=False):
        head, state = _lock_and_load(tenant, transfers)
        now = now or clock.now()
        if now.tzinfo is None:
            raise ValueError("the ledger clock must be timezone-aware")
        last = head.last_timestamp
        results: list[TransferResult] = []
        start = 0
        while start < len(transfers):
            end = start
            while end < len(transfers) - 1 and transfers[end].linked:
                end += 1
            chain = transfers[start : end + 1]
            chain_results, last = _chain(state, chain, now, last, system)
            results += chain_results
            start = end + 1
        if state.new or last != head.last_timestamp:
            _write(tenant, head, state, last)
    return results


def _chain(
    state: _State, chain: Sequence[Transfer], now: datetime, last: datetime | None, system: bool
) -> tuple[list[TransferResult], datetime | None]:
    if chain[-1].linked:
        return [R.LINKED_EVENT_FAILED] * (len(chain) - 1) + [R.LINKED_EVENT_CHAIN_OPEN], last
    if len(chain) == 1:
        result, last = _one(state, chain[0], now, last, system)
        return [result], last
    state.undo = []
    try:
        results: list[TransferResult] = []
        for index, t in enumerate(chain):
            result, last = _one(state, t, now, last, system)
            if not result.succeeded:
                state.rollback()
                failed = [R.LINKED_EVENT_FAILED] * len(chain)
                failed[index] = result
                # The clock does not go back: the chain's stamps stay used, as in ledger.core.
                return failed, last
            results.append(result)
        return results, last
    finally:
        state.undo = None


def _one(
    state: _State, t: Transfer, now: datetime, last: datetime | None, system: bool
) -> tuple[TransferResult, datetime | None]:
    stamp = now if last is None or now > last else last + _TICK
    existing = state.transfers.get(t.id) if isinstance(t.id, UUID) else None
    pending = resolution = None
    if isinstance(t.pending_id, UUID):
        pending = state.transfers.get(t.pending_id)
        resolution = state.resolutions.get(t.pending_id)
    error = validate_transfer(
        t,
        existing,
        state.accounts,
        balances=state.balances,
        pending=pending,
        resolution=resolution,
        now=stamp,
        system=system,
    )
    if error is not None:
        return error, last
    stored = _stamped(resolve(t, pending), stamp)
    for account_id, balance in apply(state.balances, stored, pending).items():
        if max(balance.debits_posted, balance.credits_posted, balance.debits_pending, balance.credits_pending) > (
            MAX_AMOUNT
        ):
            raise BalanceOverflow(f"account {account_id} would overflow")
        state.set(state.balances, account_id, balance)
        state.touched.add(account_id)
    state.set(state.transfers, stored.id, stored)
    state.set(state.new, stored.id, stored)
    if stored.pending_id is not None:
        state.set(state.resolutions, stored.pending_id, stored)
    return R.OK, stamp


def _stamped(t: Transfer, stamp: datetime) -> Transfer:
    """``dataclasses.replace(t, timestamp=stamp)`` without re-running ``__init__``: every field of
    ``t`` is already a validated value and its ``refs`` already a read-only copy."""
    stored = object.__new__(Transfer)
    stored.__dict__.update(t.__dict__)
    stored.__dict__["timestamp"] = stamp
    return stored


def _write(tenant: Tenant, head: LedgerHead, state: _State, last: datetime | None) -> None:
    seq = head.last_seq
    new = list(state.new.values())
    for t in new:
        # Admitted transfers are resolved: every field is filled in (``rules.resolve``).
        assert t.debit_account_id and t.credit_account_id and t.amount and t.ledger and t.currency and t.code
        assert t.timestamp is not None
    touched = [(a, state.balances.get(a, ZERO)) for a in state.touched]
    if connection.vendor == "postgresql":
        _write_pg(tenant, head, new, touched, last)
        return
    rows = []
    for t in new:
        seq += 1
        assert t.debit_account_id and t.credit_account_id and t.amount and t.ledger and t.currency and t.code
        assert t.timestamp is not None
        rows.append(
            LedgerTransfer(
                id=t.id,
                tenant_id=tenant.pk,
                seq=seq,
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
    LedgerHead.objects.filter(pk=head.pk).update(last_seq=seq, last_timestamp=last)


_INSERT_PG = (
    "INSERT INTO {table} (tenant_id, id, seq, timestamp, phase, debit_account_id, credit_account_id, amount, ledger,"
    " currency, code, pending_id, timeout, linked, refs)"
    " SELECT %s::uuid, u.id, %s::bigint + u.n, u.ts, u.phase, u.dr, u.cr, u.amount, u.ledger, u.currency, u.code,"
    " u.pending_id, u.timeout, u.linked, u.refs::jsonb"
    " FROM unnest(%s::uuid[], %s::timestamptz[], %s::text[], %s::uuid[], %s::uuid[], %s::bigint[], %s::text[],"
    " %s::text[], %s::text[], %s::uuid[], %s::bigint[], %s::bool[], %s::text[])"
    " WITH ORDINALITY AS u(id, ts, phase, dr, cr, amount, ledger, currency, code, pending_id, timeout, linked, refs, n)"
)


def _write_pg(
    tenant: Tenant, head: LedgerHead, new: list[Transfer], touched: list[tuple[UUID, Balance]], last: datetime | None
) -> None:
    """Transfers, balances and the head in one statement (data-modifying CTEs), so a posting costs
    the same few round trips whether it carries one transfer or a thousand. (COPY would be faster
    still, but COPY cannot write into a table under row-level security.)"""
    parts: list[str] = []
    params: list[Any] = []
    if new:
        parts.append("ins AS (" + _INSERT_PG.format(table=LedgerTransfer._meta.db_table) + ")")
        params += [
            tenant.pk,
            head.last_seq,
            [t.id for t in new],
            [t.timestamp for t in new],
            [t.phase.value for t in new],
            [t.debit_account_id for t in new],
            [t.credit_account_id for t in new],
            [t.amount for t in new],
            [t.ledger for t in new],
            [t.currency for t in new],
            [t.code for t in new],
            [t.pending_id for t in new],
            [t.timeout for t in new],
            [t.linked for t in new],
            [json.dumps(dict(t.refs), sort_keys=True) for t in new],
        ]
    if touched:
        values = ", ".join(["(%s::uuid, %s::bigint, %s::bigint, %s::bigint, %s::bigint)"] * len(touched))
        parts.append(
            f"bal AS (UPDATE {LedgerAccount._meta.db_table} AS a SET debits_pending = v.dp, debits_posted = v.dq, "  # noqa: S608
            f"credits_pending = v.cp, credits_posted = v.cq FROM (VALUES {values}) AS v(id, dp, dq, cp, cq) "
            "WHERE a.id = v.id)"
        )
        for account_id, b in touched:
            params += [account_id, b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted]
    head_sql = f"head AS (UPDATE {LedgerHead._meta.db_table} SET last_seq = %s, last_timestamp = %s WHERE id = %s)"  # noqa: S608
    parts.append(head_sql)
    params += [head.last_seq + len(new), last, head.pk]
    connection.ensure_connection()
    with _bound_cursor(connection.connection) as cursor:
        # %b: parameters in binary, no quoting or escaping of the arrays' elements.
        cursor.execute(("WITH " + ", ".join(parts) + " SELECT 1").replace("%s", "%b"), params)


def post(tenant: Tenant, transfers: Sequence[Transfer]) -> list[TransferResult]:
    """``create_transfers`` for callers that need every transfer in the ledger (new or replayed):
    anything refused raises ``LedgerRefused`` and, with the caller's transaction, undoes the lot."""
    results = create_transfers(tenant, transfers)
    if not all(r.succeeded for r in results):
        raise LedgerRefused(
            "The ledger refused a posting.",
            details=[{"transfer": str(t.id), "result": r.value} for t, r in zip(transfers, results, strict=True)],
        )
    return results


def expire_pending(tenant: Tenant, now: datetime | None = None) -> list[UUID]:
    """Record the expiry of every pending transfer whose timeout has passed; return their ids."""
    now = now or clock.now()
    resolved = LedgerTransfer.objects.filter(tenant=tenant, pending_id__isnull=False).values("pending_id")
    candidates = [
        to_transfer(row)
        for row in LedgerTransfer.objects.filter(tenant=tenant, phase=Phase.PENDING.value, timeout__gt=0)
        .exclude(id__in=resolved)
        .order_by("seq")
    ]
    due = [t for t in candidates if t.expires_at is not None and t.expires_at <= now]
    if not due:
        return []
    results = create_transfers(tenant, [expiry_transfer(t) for t in due], system=True, now=now)
    return [t.id for t, r in zip(due, results, strict=True) if r is R.OK]


def transfer_id(*parts: object) -> UUID:
    """A deterministic transfer id for a business event, so posting it twice is a replay."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "smartgov:billing:" + ":".join(str(p) for p in parts))
