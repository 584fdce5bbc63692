"""Builders for the ledger tests: explicit data, no hidden fixtures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from smartgov.ledger import Account, Ledger, Phase, Side, Transfer

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_account(
    code: str,
    *,
    ledger: str = "main",
    currency: str = "CNY",
    normal: Side = Side.DEBIT,
    debits_must_not_exceed_credits: bool = False,
    credits_must_not_exceed_debits: bool = False,
) -> Account:
    return Account(
        id=uuid.uuid4(),
        code=code,
        ledger=ledger,
        currency=currency,
        normal=normal,
        debits_must_not_exceed_credits=debits_must_not_exceed_credits,
        credits_must_not_exceed_debits=credits_must_not_exceed_debits,
    )


def make_transfer(debit: Account, credit: Account, amount: Any, **fields: Any) -> Transfer:
    """A single-phase transfer between two accounts, on their ledger and currency."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "debit_account_id": debit.id,
        "credit_account_id": credit.id,
        "amount": amount,
        "ledger": debit.ledger,
        "currency": debit.currency,
        "code": "test",
    }
    values.update(fields)
    return Transfer(**values)


def make_pending(debit: Account, credit: Account, amount: Any, **fields: Any) -> Transfer:
    return make_transfer(debit, credit, amount, phase=Phase.PENDING, **fields)


def make_post(pending: Transfer, amount: Any = None, **fields: Any) -> Transfer:
    """A post of ``pending``; no amount posts all of it."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "phase": Phase.POST_PENDING,
        "pending_id": pending.id,
        "amount": amount,
    }
    values.update(fields)
    return Transfer(**values)


def make_void(pending: Transfer, **fields: Any) -> Transfer:
    values: dict[str, Any] = {"id": uuid.uuid4(), "phase": Phase.VOID_PENDING, "pending_id": pending.id}
    values.update(fields)
    return Transfer(**values)


@dataclass
class World:
    """A ledger with a small chart of accounts, for the example tests."""

    clock: FakeClock = field(default_factory=FakeClock)
    ledger: Ledger = field(init=False)
    receivable: Account = field(default_factory=lambda: make_account("receivable:water"))
    revenue: Account = field(default_factory=lambda: make_account("revenue:water", normal=Side.CREDIT))
    clearing: Account = field(default_factory=lambda: make_account("clearing:alipay"))
    bank: Account = field(default_factory=lambda: make_account("bank:settlement"))
    # Refund payouts may never exceed approved refunds.
    refunds: Account = field(
        default_factory=lambda: make_account(
            "refunds:payable", normal=Side.CREDIT, debits_must_not_exceed_credits=True
        )
    )
    # A per-bill account that can never be paid (credited) beyond what was issued (debited).
    bill: Account = field(
        default_factory=lambda: make_account("bill:LS-2026-000123", credits_must_not_exceed_debits=True)
    )
    usd_a: Account = field(default_factory=lambda: make_account("bank:usd", currency="USD"))
    usd_b: Account = field(default_factory=lambda: make_account("clearing:usd", currency="USD"))
    memo: Account = field(default_factory=lambda: make_account("control:refundable", ledger="memo"))

    def __post_init__(self) -> None:
        self.ledger = Ledger(clock=self.clock)
        results = self.ledger.create_accounts(self.all_accounts())
        assert all(r == "ok" for r in results), results

    def all_accounts(self) -> list[Account]:
        return [
            self.receivable,
            self.revenue,
            self.clearing,
            self.bank,
            self.refunds,
            self.bill,
            self.usd_a,
            self.usd_b,
            self.memo,
        ]

    def snapshot(self) -> tuple[object, ...]:
        return (dict(self.ledger.balances), self.ledger.transfers)
