"""The seam to billing: tax is collected through bills and refunded through billing's ledger.

Every call the tax app makes into billing goes through here, so the filing services stay about tax
and the contract with billing is visible in one page.

Refunds: billing refunds *payments* (``refund_payment``), but a reconciliation refund pays back tax
withheld by employers, which no payment of the worker's carries. Until billing exposes a payout
service for that, the refund is booked as a pending ledger transfer (revenue of the tax bureau →
refunds payable), which the treasury's payout posts (or voids) later; its id is the refund reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from smartgov.audit.services import Actor
from smartgov.billing import selectors as billing_selectors
from smartgov.billing import services as billing
from smartgov.billing.services import ledger as billing_ledger
from smartgov.tenancy.models import Department, Tenant

REFUND_CODE = "tax.refund"
CURRENCY = "CNY"


@dataclass(frozen=True)
class IssuedBill:
    id: Any
    reference: str


def issue_tax_bill(
    actor: Actor,
    tenant: Tenant,
    *,
    bureau: Department,
    payer: Any,
    item: str,
    amount: int,
    due_date: date,
    source_type: str,
    source_id: str,
) -> IssuedBill:
    """One bill for ``amount`` fen from the tax bureau to ``payer`` (a Membership)."""
    bill = billing.issue_bill(
        actor,
        tenant,
        biller=bureau,
        payer=payer,
        lines=[billing.LineIn(item=item[:200], quantity=1, unit_price_fen=amount)],
        due_date=due_date,
        source_type=source_type,
        source_id=source_id,
        title=item[:200],
    )
    return IssuedBill(bill.pk, bill.payment_code)


def refund_tax(
    actor: Actor, tenant: Tenant, *, bureau: Department, payee: Any, amount: int, source_type: str, source_id: str
) -> str:
    """Book a tax refund of ``amount`` fen as a pending ledger payout; returns its reference."""
    accounts = billing_ledger.ensure_accounts(
        tenant,
        [
            billing_ledger.AccountSpec(f"revenue:{bureau.code}", billing_ledger.Side.CREDIT, currency=CURRENCY),
            billing_ledger.AccountSpec("refunds_payable", billing_ledger.Side.CREDIT, currency=CURRENCY),
        ],
    )
    transfer_id = billing_ledger.transfer_id(source_type, source_id, "refund")
    billing_ledger.post(
        tenant,
        [
            billing_ledger.Transfer(
                id=transfer_id,
                debit_account_id=accounts[f"revenue:{bureau.code}"].pk,
                credit_account_id=accounts["refunds_payable"].pk,
                amount=amount,
                ledger="billing",
                currency=CURRENCY,
                code=REFUND_CODE,
                phase=billing_ledger.Phase.PENDING,
                refs={"source": f"{source_type}:{source_id}", "payee": str(payee.pk)},
            )
        ],
    )
    return str(transfer_id)


def configure_late_charges(actor: Actor, tenant: Tenant, bureau: Department, rate_ppm: int) -> Any:
    return billing.set_late_charge_rule(actor, tenant, bureau, rate_ppm=rate_ppm, item="滞纳金 Late payment surcharge")


def bills(tenant: Tenant, ids: list[Any]) -> list[Any]:
    """The tax bills among ``ids`` (state, amounts, due date) in one query."""
    return list(billing_selectors.bills(tenant).filter(pk__in=ids))
