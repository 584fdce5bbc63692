"""The chart of accounts of a tenant's billing ledger (ledger "billing", one set per currency).

| code | normal | what it holds |
| --- | --- | --- |
| ``receivable:<biller>`` | debit | what payers owe a biller (bills issued, less payments and credit notes) |
| ``revenue:<biller>`` | credit | fees, charges and taxes billed by the biller |
| ``late_charge_income:<biller>`` | credit | late charges accrued on the biller's overdue bills |
| ``clearing:<channel>`` | debit | what a channel collected for us and has not settled; never below zero |
| ``refunds_payable`` | credit | refunds approved and not yet paid out by the channel |
| ``bank:settlement`` | debit | the treasury bank account that channels settle into (reconciliation) |
"""

from __future__ import annotations

from dataclasses import dataclass

from smartgov.ledger import Side

LEDGER = "billing"


@dataclass(frozen=True)
class AccountSpec:
    code: str
    normal: Side
    ledger: str = LEDGER
    currency: str = "CNY"
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False


# Transfer codes: what a posting is for. ``payment`` postings carry refs {bill, payment}; verify
# holds them against the succeeded payments (exactly one each).
ISSUE = "bill.issued"
LATE_CHARGE = "bill.late_charge"
CREDIT_NOTE = "bill.credit_note"
PAYMENT = "payment"
REFUND = "refund"
REFUND_PAYOUT = "refund.payout"
SETTLEMENT = "settlement"


def receivable(biller_code: str, currency: str = "CNY") -> AccountSpec:
    return AccountSpec(f"receivable:{biller_code}", Side.DEBIT, LEDGER, currency)


def revenue(biller_code: str, currency: str = "CNY") -> AccountSpec:
    return AccountSpec(f"revenue:{biller_code}", Side.CREDIT, LEDGER, currency)


def late_charge_income(biller_code: str, currency: str = "CNY") -> AccountSpec:
    return AccountSpec(f"late_charge_income:{biller_code}", Side.CREDIT, LEDGER, currency)


def clearing(channel: str, currency: str = "CNY") -> AccountSpec:
    # A channel cannot pay out (refunds) more than it collected for us.
    return AccountSpec(f"clearing:{channel}", Side.DEBIT, LEDGER, currency, credits_must_not_exceed_debits=True)


def refunds_payable(currency: str = "CNY") -> AccountSpec:
    return AccountSpec("refunds_payable", Side.CREDIT, LEDGER, currency)


def bank_settlement(currency: str = "CNY") -> AccountSpec:
    return AccountSpec("bank:settlement", Side.DEBIT, LEDGER, currency)
