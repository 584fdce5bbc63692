"""Refunds, full or partial, never more than was paid.

The guard is the payment row, locked (after its bill) for the whole decision: the amount is checked
against ``refund_amount_available`` under the lock, reserved at once (``refund_reserved_fen``) and the
database's check constraint refuses a reservation beyond the payment's amount even if a code path
forgot the lock. Callers may state the ``refund_amount_available`` they saw; a different value means
someone refunded in between and the request is refused rather than applied twice.

Ledger: on request, linked: receivable:<biller> ← refunds_payable (posted: the bill is owed again or
its credit is used up) and refunds_payable ← clearing:<channel> (pending: the channel's payout). The
channel's answer posts the payout, or voids it and reverses the first transfer.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.billing import channels, chart
from smartgov.billing.models import Bill, Payment, Refund
from smartgov.billing.providers.base import ProviderError
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.ledger import Phase, Transfer
from smartgov.tenancy.models import Tenant

from . import ledger
from .common import accounts_for_bill, fen, local_today, refresh_state

log = logging.getLogger("smartgov.billing")


@transaction.atomic
def refund_payment(
    actor: Actor,
    tenant: Tenant,
    payment_id: Any,
    *,
    amount_fen: Any,
    reason: str,
    expected_available_fen: Any = None,
) -> Refund:
    amount = fen(amount_fen, "amount_fen")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the payment is refunded."))
    bill_id = Payment.objects.filter(tenant=tenant, pk=payment_id).values_list("bill_id", flat=True).get()
    bill = Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=bill_id)
    payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
    return _refund(actor, tenant, bill, payment, amount, reason, expected_available_fen)


def _refund(
    actor: Actor, tenant: Tenant, bill: Bill, payment: Payment, amount: int, reason: str, expected: Any = None
) -> Refund:
    if payment.state != Payment.State.SUCCEEDED:
        raise Conflict(_("Only a succeeded payment can be refunded."), code="payment_not_refundable")
    available = payment.refund_amount_available
    if expected is not None and expected != available:
        raise Conflict(
            _("refund_amount_available is %(n)d fen now, not what you expected; check and retry.") % {"n": available},
            code="refund_amount_available_mismatch",
            details=[{"field": "expected_available_fen", "message": str(available)}],
        )
    if amount > available:
        raise InvalidInput.for_field(
            "amount_fen",
            _("The refund is more than the %(n)d fen available to refund.") % {"n": available},
            code="refund_exceeds_available",
        )
    refund = Refund.objects.create(
        tenant=tenant,
        payment=payment,
        out_refund_no=f"R{payment.out_trade_no}-{secrets.token_hex(4)}"[:64],
        amount_fen=amount,
        reason=reason[:500],
        created_at=clock.now(),
        created_by=actor.label,
    )
    payment.refund_reserved_fen += amount
    payment.save(update_fields=["refund_reserved_fen"])
    accounts = accounts_for_bill(tenant, bill.biller.code, bill.currency, channel=payment.channel)
    refs = {"bill": str(bill.pk), "payment": str(payment.pk), "refund": str(refund.pk)}
    receivable = accounts[chart.receivable(bill.biller.code).code].pk
    payable = accounts[chart.refunds_payable().code].pk
    clearing = accounts[chart.clearing(payment.channel).code].pk
    common: dict[str, Any] = {"amount": amount, "ledger": chart.LEDGER, "currency": bill.currency, "refs": refs}
    ledger.post(
        tenant,
        [
            Transfer(
                id=ledger.transfer_id("refund", refund.pk, "approve"),
                debit_account_id=receivable,
                credit_account_id=payable,
                code=chart.REFUND,
                linked=True,
                **common,
            ),
            Transfer(
                id=ledger.transfer_id("refund", refund.pk, "payout"),
                debit_account_id=payable,
                credit_account_id=clearing,
                code=chart.REFUND_PAYOUT,
                phase=Phase.PENDING,
                **common,
            ),
        ],
    )
    record(
        actor=actor,
        tenant=tenant,
        action="billing.refund_requested",
        obj=refund,
        changes={
            "payment": str(payment.pk),
            "amount_fen": amount,
            "reason": reason[:500],
            "available_before": available,
        },
    )
    provider = channels.provider(payment.channel, tenant)
    try:
        result = provider.refund(payment.out_trade_no, refund.out_refund_no, amount, payment.currency)
    except ProviderError as exc:
        log.warning("refund %s: provider error %s", refund.out_refund_no, exc)
        if not exc.retryable:
            _finish(tenant, bill, payment, refund, succeeded=False, provider_reference="")
        return refund  # retryable: stays pending; the poll task asks again with the same refund number
    if result.status == "succeeded":
        _finish(tenant, bill, payment, refund, succeeded=True, provider_reference=result.provider_reference)
    elif result.status == "failed":
        _finish(tenant, bill, payment, refund, succeeded=False, provider_reference=result.provider_reference)
    return refund


def _finish(
    tenant: Tenant, bill: Bill, payment: Payment, refund: Refund, *, succeeded: bool, provider_reference: str
) -> None:
    refund.state = Refund.State.SUCCEEDED if succeeded else Refund.State.FAILED
    refund.finished_at = clock.now()
    refund.provider_reference = provider_reference
    refund.save(update_fields=["state", "finished_at", "provider_reference"])
    pending_id = ledger.transfer_id("refund", refund.pk, "payout")
    if succeeded:
        payment.refunded_fen += refund.amount_fen
        bill.refunded_fen += refund.amount_fen
        transfers = [
            Transfer(
                id=ledger.transfer_id("refund", refund.pk, "post"), phase=Phase.POST_PENDING, pending_id=pending_id
            )
        ]
    else:
        payment.refund_reserved_fen -= refund.amount_fen
        accounts = accounts_for_bill(tenant, bill.biller.code, bill.currency, channel=payment.channel)
        transfers = [
            Transfer(
                id=ledger.transfer_id("refund", refund.pk, "void"),
                phase=Phase.VOID_PENDING,
                pending_id=pending_id,
                linked=True,
            ),
            Transfer(
                id=ledger.transfer_id("refund", refund.pk, "reverse"),
                debit_account_id=accounts[chart.refunds_payable().code].pk,
                credit_account_id=accounts[chart.receivable(bill.biller.code).code].pk,
                amount=refund.amount_fen,
                ledger=chart.LEDGER,
                currency=bill.currency,
                code=chart.REFUND,
                refs={"bill": str(bill.pk), "payment": str(payment.pk), "refund": str(refund.pk)},
            ),
        ]
    ledger.post(tenant, transfers)
    payment.save(update_fields=["refunded_fen", "refund_reserved_fen"])
    refresh_state(bill, local_today(tenant))
    bill.updated_at = clock.now()
    bill.save()
    record(
        actor=Actor.system("billing"),
        tenant=tenant,
        action=f"billing.refund_{refund.state}",
        obj=refund,
        changes={"payment": str(payment.pk), "amount_fen": refund.amount_fen, "bill_state": bill.state},
    )


def refund_excess(actor: Actor, tenant: Tenant, bill: Bill, *, reason: str) -> list[Refund]:
    """Give back whatever was paid beyond what the (locked) bill now asks: its latest payments first."""
    payments = list(
        Payment.objects.select_for_update()
        .filter(tenant=tenant, bill=bill, state=Payment.State.SUCCEEDED)
        .order_by("-finished_at", "-created_at")  # the payment booked last caused the excess
    )
    # What the payer keeps paid (after refunds done or under way) beyond the bill's total.
    excess = sum(p.amount_fen - p.refund_reserved_fen for p in payments) - bill.total_fen
    refunds = []
    for payment in payments:
        if excess <= 0:
            break
        amount = min(excess, payment.refund_amount_available)
        if amount > 0:
            refunds.append(_refund(actor, tenant, bill, payment, amount, reason))
            excess -= amount
    return refunds


@transaction.atomic
def retry_pending_refund(tenant: Tenant, refund_id: Any) -> str:
    """Ask the channel again about a refund it answered "pending" (refund numbers are idempotent)."""
    refund = Refund.objects.select_related("payment").get(tenant=tenant, pk=refund_id)
    bill = Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=refund.payment.bill_id)
    payment = Payment.objects.select_for_update().get(tenant=tenant, pk=refund.payment_id)
    refund = Refund.objects.select_for_update().get(tenant=tenant, pk=refund_id)
    if refund.state != Refund.State.PENDING:
        return refund.state
    provider = channels.provider(payment.channel, tenant)
    try:
        result = provider.refund(payment.out_trade_no, refund.out_refund_no, refund.amount_fen, payment.currency)
    except ProviderError as exc:
        if exc.retryable:
            return "pending"
        _finish(tenant, bill, payment, refund, succeeded=False, provider_reference="")
        return "failed"
    if result.status in ("succeeded", "failed"):
        _finish(
            tenant,
            bill,
            payment,
            refund,
            succeeded=result.status == "succeeded",
            provider_reference=result.provider_reference,
        )
    return refund.state
