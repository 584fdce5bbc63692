"""Refunds, full or partial, never more than was paid.

The guard is the payment row, locked (after its bill) for the whole decision: the amount is checked
against ``refund_amount_available`` under the lock, reserved at once (``refund_reserved_fen``) and the
database's check constraint refuses a reservation beyond the payment's amount even if a code path
forgot the lock. The reservation is committed before the channel is asked (no transaction is held
while it answers); its answer confirms the reservation or gives it back, so concurrent refunds can
never together exceed what was paid. Callers may state the ``refund_amount_available`` they saw; a
different value means someone refunded in between and the request is refused rather than applied
twice.

Ledger: on request, linked: receivable:<biller> ← refunds_payable (posted: the bill is owed again or
its credit is used up) and refunds_payable ← clearing:<channel> (pending: the channel's payout). The
channel's answer posts the payout, or voids it and reverses the first transfer.
"""

from __future__ import annotations

import functools
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
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

from . import ledger
from .common import accounts_for_bill, fen, local_today, refresh_state

log = logging.getLogger("smartgov.billing")


def refund_payment(
    actor: Actor,
    tenant: Tenant,
    payment_id: Any,
    *,
    amount_fen: Any,
    reason: str,
    expected_available_fen: Any = None,
) -> Refund:
    """Refund all or part of a succeeded payment: ``request_refund`` then ``submit_refund``, so no
    transaction is open while the channel answers (when the caller holds none)."""
    refund = request_refund(
        actor, tenant, payment_id, amount_fen=amount_fen, reason=reason, expected_available_fen=expected_available_fen
    )
    return submit_refund(tenant, refund.pk)


def request_refund(
    actor: Actor,
    tenant: Tenant,
    payment_id: Any,
    *,
    amount_fen: Any,
    reason: str,
    expected_available_fen: Any = None,
) -> Refund:
    """The first step: check the amount against what may still be refunded and reserve it, under the
    bill's and the payment's locks, in one short transaction. The refund is ``pending`` until
    ``submit_refund`` records the channel's answer."""
    amount = fen(amount_fen, "amount_fen")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the payment is refunded."))
    with tenant_context(tenant):
        bill_id = Payment.objects.filter(tenant=tenant, pk=payment_id).values_list("bill_id", flat=True).get()
        bill = Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=bill_id)
        payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
        return _reserve(actor, tenant, bill, payment, amount, reason, expected_available_fen)


def _reserve(
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
    return refund


def submit_refund(tenant: Tenant, refund_id: Any) -> Refund:
    """Ask the channel to pay a reserved refund out, with no transaction of ours open, then record
    its answer in a short one: succeeded (the payout is posted) or failed (the reservation is given
    back). A "pending" answer or a channel out of reach leaves it pending for the poll task, which
    asks again with the same refund number (channels are idempotent on it). Safe to repeat."""
    with tenant_context(tenant):
        refund = Refund.objects.select_related("payment").get(tenant=tenant, pk=refund_id)
    if refund.state != Refund.State.PENDING:
        return refund
    payment = refund.payment
    provider = channels.provider(payment.channel, tenant)
    try:
        result = provider.refund(payment.out_trade_no, refund.out_refund_no, refund.amount_fen, payment.currency)
    except ProviderError as exc:
        log.warning("refund %s: provider error %s", refund.out_refund_no, exc)
        if exc.retryable:
            return refund  # stays pending
        return _record(tenant, refund.pk, succeeded=False, provider_reference="")
    if result.status in ("succeeded", "failed"):
        return _record(
            tenant, refund.pk, succeeded=result.status == "succeeded", provider_reference=result.provider_reference
        )
    return refund


def _record(tenant: Tenant, refund_id: Any, *, succeeded: bool, provider_reference: str) -> Refund:
    with tenant_context(tenant):
        payment_id, bill_id = (
            Refund.objects.filter(tenant=tenant, pk=refund_id).values_list("payment_id", "payment__bill_id").get()
        )
        bill = Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=bill_id)
        payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
        refund = Refund.objects.select_for_update().get(tenant=tenant, pk=refund_id)
        if refund.state == Refund.State.PENDING:  # not recorded by a concurrent attempt meanwhile
            _finish(tenant, bill, payment, refund, succeeded=succeeded, provider_reference=provider_reference)
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
    """Give back whatever was paid beyond what the (locked) bill now asks: its latest payments first.

    Runs inside the caller's transaction (a notification, a cancellation, a credit note), so it only
    reserves the refunds; each is sent to the channel once that transaction has committed, outside
    it. If the process dies before, the refund is pending and the poll task sends it."""
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
            refund = _reserve(actor, tenant, bill, payment, amount, reason)
            transaction.on_commit(functools.partial(submit_refund, tenant, refund.pk), robust=True)
            refunds.append(refund)
            excess -= amount
    return refunds


def retry_pending_refund(tenant: Tenant, refund_id: Any) -> str:
    """Ask the channel again about a refund still pending (refund numbers are idempotent)."""
    return str(submit_refund(tenant, refund_id).state)
