"""The seam to billing: tax is collected through bills and refunded through billing's ledger.

Every call the tax app makes into billing goes through here, so the filing services stay about tax
and the contract with billing is visible in one page.

Refunds: billing refunds *payments* (``refund_payment``), but a reconciliation refund pays back tax
withheld by employers, which no payment of the worker's carries. So the refund is reserved as a
pending ledger transfer (revenue of the tax bureau → refunds payable; its id is the refund reference)
and, when the treasury confirms the payout, posted in one linked chain with the payout itself
(refunds payable → the bank settlement account): either both are in the ledger or neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from smartgov.audit.services import Actor
from smartgov.billing import selectors as billing_selectors
from smartgov.billing import services as billing
from smartgov.billing.services import ledger as billing_ledger
from smartgov.kit.errors import Conflict
from smartgov.tenancy.models import Department, Tenant

REFUND_CODE = "tax.refund"
REFUND_PAYOUT_CODE = "tax.refund.payout"
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


def pay_out_refund(tenant: Tenant, *, refund_reference: str, amount: int, bank_reference: str) -> None:
    """Post the reserved refund and its payout from the bank account, linked; repeatable (same ids)."""
    accounts = billing_ledger.ensure_accounts(
        tenant,
        [
            billing_ledger.AccountSpec("refunds_payable", billing_ledger.Side.CREDIT, currency=CURRENCY),
            billing_ledger.AccountSpec("bank:settlement", billing_ledger.Side.DEBIT, currency=CURRENCY),
        ],
    )
    pending_id = UUID(refund_reference)
    results = billing_ledger.post(
        tenant,
        [
            billing_ledger.Transfer(
                id=billing_ledger.transfer_id("tax.refund.post", refund_reference),
                phase=billing_ledger.Phase.POST_PENDING,
                pending_id=pending_id,
                linked=True,
            ),
            billing_ledger.Transfer(
                id=billing_ledger.transfer_id("tax.refund.payout", refund_reference),
                debit_account_id=accounts["refunds_payable"].pk,
                credit_account_id=accounts["bank:settlement"].pk,
                amount=amount,
                ledger="billing",
                currency=CURRENCY,
                code=REFUND_PAYOUT_CODE,
                refs={"refund": refund_reference, "bank": bank_reference[:60]},
            ),
        ],
    )
    refused = [r for r in results if r not in (billing_ledger.TransferResult.OK, billing_ledger.TransferResult.EXISTS)]
    if refused:
        raise Conflict(
            _("The ledger refused the refund payout: %(why)s") % {"why": ", ".join(str(r) for r in refused)},
            code="refund_payout_refused",
        )


def configure_late_charges(actor: Actor, tenant: Tenant, bureau: Department, rate_ppm: int) -> Any:
    return billing.set_late_charge_rule(actor, tenant, bureau, rate_ppm=rate_ppm, item="滞纳金 Late payment surcharge")


def bills(tenant: Tenant, ids: list[Any]) -> list[Any]:
    """The tax bills among ``ids`` (state, amounts, due date) in one query."""
    return list(billing_selectors.bills(tenant).filter(pk__in=ids))
