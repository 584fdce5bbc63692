"""A lone transfer in one statement (PostgreSQL).

The general path locks, reads, decides and writes: two statements after the tenant is set. Most
postings are one transfer between accounts without a balance constraint (a bill issued, a payment
booked), and for those the pure core can decide before anything is read, from two facts:

- the accounts, as remembered by this process (``accounts.known``): accounts are immutable;
- the transfer's id is new (a replay is the exception, and a costly one only for itself).

The balances are not needed for such a transfer (``rules.needs_balances``), and the stamp and
sequence number come from the head. So one statement checks both facts and writes, all under the
tenant's ledger lock:

1. lock the head (``FOR UPDATE``) and take the next sequence number and timestamp from it;
2. insert the transfer only if both accounts still have the ledger, currency and flags the
   decision used, with ``ON CONFLICT (id) DO NOTHING``: the unique index sees (and waits for) a
   concurrent insert of the same id, which a snapshot read would miss;
3. only if the row went in, move both balances by ``rules.apply`` of the transfer from zero (an
   increment, so it adds to whatever the row holds when the lock is granted) and the head.

When a fact does not hold (a replay, an unknown or changed account, the tenant's first posting) the
statement writes nothing and the caller takes the general path, which answers exactly.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg
from django.db import connection
from psycopg.types.numeric import Int8

from smartgov.billing.models import LedgerAccount, LedgerHead, LedgerTransfer
from smartgov.ledger import Phase, Transfer, TransferResult, apply, needs_balances, validate_transfer
from smartgov.tenancy.models import Tenant

from .accounts import known
from .errors import BalanceOverflow
from .pg import bound_cursor

R = TransferResult
_PHASES = (Phase.SINGLE, Phase.PENDING)


def try_single(tenant: Tenant, t: Transfer, now: datetime, system: bool) -> TransferResult | None:
    """``OK`` if ``t`` was decided and written here; None if the general path must take it (and
    then nothing was written)."""
    if connection.vendor != "postgresql" or t.phase not in _PHASES or t.linked:
        return None
    debit = known(tenant.pk, t.debit_account_id)
    credit = known(tenant.pk, t.credit_account_id)
    if debit is None or credit is None or needs_balances(debit, credit):
        return None
    accounts = {debit.id: debit, credit.id: credit}
    if validate_transfer(t, None, accounts, balances=None, now=now, system=system) is not None:
        return None  # refused, unless it is a replay: the general path tells which
    assert isinstance(t.amount, int) and isinstance(t.timeout, int)  # validated
    delta = apply({}, t)  # what the transfer adds to each balance
    d, c = delta[debit.id], delta[credit.id]
    params: dict[str, Any] = {
        "tenant": tenant.pk,
        "now": now,
        "id": t.id,
        "phase": t.phase.value,
        "dr": debit.id,
        "cr": credit.id,
        "amount": Int8(t.amount),
        "ledger": t.ledger,
        "currency": t.currency,
        "code": t.code,
        "timeout": Int8(t.timeout),
        "refs": json.dumps(dict(t.refs), sort_keys=True),
        "dr_dx": debit.debits_must_not_exceed_credits,
        "dr_cx": debit.credits_must_not_exceed_debits,
        "cr_dx": credit.debits_must_not_exceed_credits,
        "cr_cx": credit.credits_must_not_exceed_debits,
    }
    for side, b in (("d", d), ("c", c)):
        params |= {
            f"{side}_dp": Int8(b.debits_pending),
            f"{side}_dq": Int8(b.debits_posted),
            f"{side}_cp": Int8(b.credits_pending),
            f"{side}_cq": Int8(b.credits_posted),
        }
    try:
        with bound_cursor() as cursor:
            cursor.execute(_SQL, params, prepare=True)
            row = cursor.fetchone()
    except psycopg.errors.NumericValueOutOfRange as exc:  # a balance past 2**63 - 1
        raise BalanceOverflow(f"account {debit.id} or {credit.id} would overflow") from exc
    return R.OK if row is not None and row[0] == 1 else None


_TEMPLATE = """
WITH head AS (
  SELECT id, last_seq + 1 AS seq,
    CASE WHEN last_timestamp IS NULL OR last_timestamp < %(now)b::timestamptz THEN %(now)b::timestamptz
         ELSE last_timestamp + interval '1 microsecond' END AS stamp
  FROM {head} WHERE tenant_id = %(tenant)b::uuid FOR UPDATE
), facts AS (
  SELECT count(*) AS held FROM {accounts} a
  WHERE a.id = ANY(ARRAY[%(dr)b::uuid, %(cr)b::uuid]) AND a.tenant_id = %(tenant)b::uuid
    AND a.ledger = %(ledger)b::text AND a.currency = %(currency)b::text
    AND a.debits_must_not_exceed_credits = CASE WHEN a.id = %(dr)b::uuid THEN %(dr_dx)b::bool ELSE %(cr_dx)b::bool END
    AND a.credits_must_not_exceed_debits = CASE WHEN a.id = %(dr)b::uuid THEN %(dr_cx)b::bool ELSE %(cr_cx)b::bool END
), ins AS (
  INSERT INTO {transfers} (tenant_id, id, seq, timestamp, phase, debit_account_id, credit_account_id, amount,
    ledger, currency, code, pending_id, timeout, linked, refs)
  SELECT %(tenant)b::uuid, %(id)b::uuid, head.seq, head.stamp, %(phase)b::text, %(dr)b::uuid, %(cr)b::uuid,
    %(amount)b::bigint, %(ledger)b::text, %(currency)b::text, %(code)b::text, NULL, %(timeout)b::bigint, false,
    %(refs)b::text::jsonb
  FROM head, facts WHERE facts.held = 2
  ON CONFLICT (id) DO NOTHING
  RETURNING seq, timestamp
), balances AS (
  UPDATE {accounts} a SET debits_pending = a.debits_pending + v.dp, debits_posted = a.debits_posted + v.dq,
    credits_pending = a.credits_pending + v.cp, credits_posted = a.credits_posted + v.cq
  FROM ins, (VALUES (%(dr)b::uuid, %(d_dp)b::bigint, %(d_dq)b::bigint, %(d_cp)b::bigint, %(d_cq)b::bigint),
                    (%(cr)b::uuid, %(c_dp)b::bigint, %(c_dq)b::bigint, %(c_cp)b::bigint, %(c_cq)b::bigint))
    AS v(id, dp, dq, cp, cq)
  WHERE a.id = v.id
), moved AS (
  UPDATE {head} h SET last_seq = ins.seq, last_timestamp = ins.timestamp FROM ins, head WHERE h.id = head.id
)
SELECT count(*) FROM ins
"""
_SQL = _TEMPLATE.format(
    head=LedgerHead._meta.db_table, accounts=LedgerAccount._meta.db_table, transfers=LedgerTransfer._meta.db_table
)
