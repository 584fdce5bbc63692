"""Rows of the ledger tables (ORM objects, or the JSON the PostgreSQL read returns) as the pure
core's value types."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from smartgov.billing.models import LedgerAccount, LedgerTransfer
from smartgov.ledger import Account, Balance, Phase, Side, Transfer


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


def json_rows(value: Any) -> list[dict[str, Any]]:
    """A ``json_agg`` column: text or already decoded, depending on the driver's loaders."""
    return json.loads(value) if isinstance(value, str | bytes) else list(value or [])


def account_from_json(r: dict[str, Any]) -> tuple[Account, Balance]:
    account = Account(
        id=UUID(r["id"]),
        code=r["code"],
        ledger=r["ledger"],
        currency=r["currency"],
        normal=Side(r["normal"]),
        debits_must_not_exceed_credits=r["debits_must_not_exceed_credits"],
        credits_must_not_exceed_debits=r["credits_must_not_exceed_debits"],
    )
    return account, Balance(r["debits_pending"], r["debits_posted"], r["credits_pending"], r["credits_posted"])


def transfer_from_json(r: dict[str, Any]) -> Transfer:
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
