"""Payments: opening a checkout with a channel, taking the channel's word (notification or poll)
exactly once. Polling the payments that never hear back is in ``polling``.

Lock order everywhere in billing: the bill first, then its payments. A notification and a refund
of the same bill therefore queue instead of deadlocking.

No transaction is held while a channel answers over the network (a slow channel would otherwise hold
the bill's lock and a connection for as long as it takes): each step that talks to the channel sits
between short transactions of its own (``tenant_context``), and its callers hold none. What a process
dying between the steps leaves behind is picked up by the poll task (``polling.poll_payment``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.billing import channels, chart, paycode
from smartgov.billing.channels import ProviderUnavailable
from smartgov.billing.models import Bill, Payment
from smartgov.billing.providers.base import (
    Acknowledgement,
    CheckoutRequest,
    Notification,
    ProviderError,
)
from smartgov.billing.signals import bill_paid
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput, NotFound
from smartgov.kit.ids import uuid7
from smartgov.ledger import Transfer
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

from . import ledger
from .common import accounts_for_bill, fen, local_today, refresh_state

log = logging.getLogger("smartgov.billing")
SYSTEM = Actor.system("billing")


def payment_timeout() -> timedelta:
    return timedelta(seconds=settings.BILLING_PAYMENT_TIMEOUT_SECONDS)


def poll_after() -> timedelta:
    return timedelta(seconds=settings.BILLING_POLL_AFTER_SECONDS)


def bill_by_code(tenant: Tenant, code: Any, *, field: str = "payment_code", lock: bool = False) -> Bill:
    if not isinstance(code, str) or not paycode.is_valid(code):
        raise InvalidInput.for_field(
            field, _("This is not a valid payment code (20 digits)."), code="invalid_payment_code"
        )
    qs = Bill.objects.select_related("biller")
    if lock:
        qs = qs.select_for_update()
    bill = qs.filter(tenant=tenant, payment_code=paycode.normalise(code)).first()
    if bill is None:
        raise NotFound(_("No bill has this payment code."), code="unknown_payment_code")
    return bill


def create_payment(
    actor: Actor,
    tenant: Tenant,
    *,
    payment_code: Any,
    channel: Any,
    amount_fen: Any,
    currency: Any,
    notify_url: str,
    return_url: str,
) -> Payment:
    """Open a payment of ``amount_fen`` on the bill with ``payment_code`` through ``channel`` and
    return it with the channel's checkout URL: ``open_payment`` then ``start_checkout``, so no
    transaction is open while the channel answers (when the caller holds none)."""
    payment = open_payment(
        actor,
        tenant,
        payment_code=payment_code,
        channel=channel,
        amount_fen=amount_fen,
        currency=currency,
        notify_url=notify_url,
        return_url=return_url,
    )
    return start_checkout(tenant, payment.pk)


def open_payment(
    actor: Actor,
    tenant: Tenant,
    *,
    payment_code: Any,
    channel: Any,
    amount_fen: Any,
    currency: Any,
    notify_url: str,
    return_url: str,
) -> Payment:
    """The first step: check the request and record the payment (state ``created``, its amount held
    against the bill) in one short transaction. Nothing is stored if any check fails."""
    amount = fen(amount_fen, "amount_fen")
    provider = channels.provider(channel, tenant)
    with tenant_context(tenant):
        bill = bill_by_code(tenant, payment_code, lock=True)
        if currency != bill.currency:
            raise InvalidInput.for_field(
                "currency", _("This bill is payable in %(cur)s only.") % {"cur": bill.currency}, code="wrong_currency"
            )
        if bill.state == Bill.State.CANCELLED:
            raise Conflict(_("This bill is cancelled."), code="bill_cancelled")
        if bill.state == Bill.State.PAID or bill.outstanding_fen == 0:
            raise Conflict(_("This bill is already paid."), code="bill_already_paid")
        if amount > bill.outstanding_fen:
            raise InvalidInput.for_field(
                "amount_fen",
                _("The amount is more than the bill's outstanding %(n)d fen.") % {"n": bill.outstanding_fen},
                code="amount_over_bill",
            )
        if amount > bill.payable_fen:
            raise Conflict(
                _("Another payment of this bill is in progress; wait for it to finish or expire."),
                code="payment_in_progress",
            )
        now = clock.now()
        payment_id = uuid7()
        payment = Payment.objects.create(
            pk=payment_id,
            tenant=tenant,
            bill=bill,
            channel=provider.code,
            out_trade_no=f"{bill.payment_code}-{secrets.token_hex(5)}",
            amount_fen=amount,
            currency=bill.currency,
            notify_url=notify_url,
            return_url=return_url.replace("{payment_id}", str(payment_id)),
            created_at=now,
            expires_at=now + payment_timeout(),
        )
        bill.in_flight_fen += amount
        bill.updated_at = now
        bill.save(update_fields=["in_flight_fen", "updated_at"])
        record(
            actor=actor,
            tenant=tenant,
            action="billing.payment_created",
            obj=payment,
            changes={"bill": str(bill.pk), "channel": provider.code, "amount_fen": amount, "state": payment.state},
        )
    return payment


def start_checkout(tenant: Tenant, payment_id: Any) -> Payment:
    """The second and third steps: ask the channel for the checkout with no transaction of ours open,
    then record its answer in a short one.

    Safe to repeat (a retried request, or one finishing the work of a request that died between the
    steps): a payment whose checkout is recorded is returned as it is, and every channel answers the
    same order number with the same order. A payment given up meanwhile (the checkout failed, or the
    poll task expired it) is a 409 ``payment_abandoned``: start a new one."""
    with tenant_context(tenant):
        payment = Payment.objects.select_related("bill__biller").get(tenant=tenant, pk=payment_id)
    if payment.checkout_at is not None or payment.state == Payment.State.SUCCEEDED:
        return payment
    if payment.state != Payment.State.CREATED:
        raise _abandoned()
    provider = channels.provider(payment.channel, tenant)
    bill = payment.bill
    try:
        checkout = provider.create_checkout(
            CheckoutRequest(
                out_trade_no=payment.out_trade_no,
                amount_fen=payment.amount_fen,
                currency=payment.currency,
                subject=(bill.title or bill.biller.name_zh)[:128],
                notify_url=payment.notify_url,
                return_url=payment.return_url,
                expires_at=payment.expires_at,
            )
        )
    except ProviderError as exc:
        log.warning("checkout with %s failed: %s", provider.code, exc)
        give_up(tenant, payment.pk, "checkout_failed")  # the bill is free again; the caller may retry
        raise ProviderUnavailable(_("The payment channel is unavailable; try again later.")) from exc
    with tenant_context(tenant):
        payment = Payment.objects.select_for_update().select_related("bill").get(tenant=tenant, pk=payment_id)
        if payment.checkout_at is not None:
            return payment  # a concurrent attempt recorded it first
        if payment.state in (Payment.State.FAILED, Payment.State.EXPIRED):
            raise _abandoned()
        payment.checkout_url = checkout.redirect_url
        payment.checkout_instructions = dict(checkout.instructions)
        payment.provider_reference = payment.provider_reference or checkout.provider_reference
        payment.checkout_at = clock.now()
        payment.save(update_fields=["checkout_url", "checkout_instructions", "provider_reference", "checkout_at"])
        record(
            actor=SYSTEM,
            tenant=tenant,
            action="billing.checkout_opened",
            obj=payment,
            changes={"channel": payment.channel, "provider_reference": payment.provider_reference},
        )
    return payment


def _abandoned() -> Conflict:
    return Conflict(
        _("This payment was given up before its checkout opened; start a new payment."), code="payment_abandoned"
    )


def give_up(tenant: Tenant, payment_id: Any, why: str) -> str:
    """Fail a payment whose checkout never opened, releasing what it held of the bill."""
    with tenant_context(tenant):
        bill_id = Payment.objects.filter(tenant=tenant, pk=payment_id).values_list("bill_id", flat=True).get()
        bill = Bill.objects.select_for_update().get(tenant=tenant, pk=bill_id)
        payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
        if payment.state != Payment.State.CREATED or payment.checkout_at is not None:
            return "final"
        finish_unpaid(tenant, bill, payment, Payment.State.FAILED, "checkout", why)
        return "failed"


# -- the channel's word ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What handling a notification did: ``accepted`` says how to acknowledge it."""

    accepted: bool
    result: str  # "succeeded", "failed", "duplicate", "ignored", "forged", "mismatch", "unknown"
    status: int = 200
    payment_id: str = ""


def handle_notification(
    tenant: Tenant, channel: str, body: bytes, content_type: str, headers: dict[str, str]
) -> tuple[Acknowledgement, Outcome]:
    """Verify a channel's asynchronous notification and apply it exactly once."""
    provider = channels.provider_for_notification(channel, tenant)
    try:
        notification = provider.verify_notification(body, content_type, headers)
    except ProviderError as exc:  # ForgedNotification, or anything else that does not verify
        log.warning("forged notification on %s for tenant %s: %s", channel, tenant.slug, exc)
        return provider.acknowledge(False), Outcome(False, "forged", 400)
    outcome = apply_result(tenant, channel, notification, source="notification")
    return provider.acknowledge(outcome.accepted), outcome


def apply_result(tenant: Tenant, channel: str, n: Notification, *, source: str) -> Outcome:
    """Apply what the channel says about one of our payments, after checking it against the payment.

    Processed exactly once: the bill and the payment are locked and the payment's state decides; a
    repeat finds the state already moved and changes nothing."""
    with tenant_context(tenant):
        return _apply_result(tenant, channel, n, source)


def _apply_result(tenant: Tenant, channel: str, n: Notification, source: str) -> Outcome:
    found = (
        Payment.objects.filter(tenant=tenant, channel=channel, out_trade_no=n.out_trade_no)
        .values_list("pk", "bill_id")
        .first()
    )
    if found is None:
        return Outcome(False, "unknown", 404)
    payment_id, bill_id = found
    bill = Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=bill_id)
    payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
    problems = []
    if n.currency != payment.currency:
        problems.append("currency")
    if isinstance(n.amount_fen, bool) or n.amount_fen != payment.amount_fen:
        problems.append("amount")
    if n.out_trade_no.split("-", 1)[0] != bill.payment_code:
        problems.append("payment_code")
    if problems:
        record(
            actor=SYSTEM,
            tenant=tenant,
            action="billing.notification_rejected",
            obj=payment,
            changes={
                "source": source,
                "mismatch": problems,
                "status": n.status,
                "amount_fen": n.amount_fen,
                "currency": n.currency,
            },
        )
        return Outcome(False, "mismatch", 400, str(payment.pk))
    if n.status == "succeeded":
        if payment.state == Payment.State.SUCCEEDED:
            return Outcome(True, "duplicate", 200, str(payment.pk))
        _succeed(tenant, bill, payment, n, source)
        return Outcome(True, "succeeded", 200, str(payment.pk))
    if n.status in ("failed", "closed"):
        if payment.state != Payment.State.CREATED:
            # Out of order (a "closed" after the success) or a repeat: the money facts stand.
            return Outcome(True, "ignored", 200, str(payment.pk))
        finish_unpaid(tenant, bill, payment, Payment.State.FAILED, source, n.status)
        return Outcome(True, "failed", 200, str(payment.pk))
    return Outcome(True, "ignored", 200, str(payment.pk))  # e.g. "waiting": nothing to do yet


def _succeed(tenant: Tenant, bill: Bill, payment: Payment, n: Notification, source: str) -> None:
    before = payment.state
    now = clock.now()
    if before == Payment.State.CREATED:
        bill.in_flight_fen -= payment.amount_fen
    payment.state = Payment.State.SUCCEEDED
    payment.paid_at = n.paid_at or now
    payment.finished_at = now
    payment.provider_reference = n.provider_reference or payment.provider_reference
    payment.save(update_fields=["state", "paid_at", "finished_at", "provider_reference"])
    bill.paid_fen += payment.amount_fen
    was_paid = bill.state == Bill.State.PAID
    refresh_state(bill, local_today(tenant))
    bill.updated_at = now
    bill.save()
    accounts = accounts_for_bill(tenant, bill.biller.code, bill.currency, channel=payment.channel)
    ledger.post(
        tenant,
        [
            Transfer(
                id=ledger.transfer_id("payment", payment.pk),
                debit_account_id=accounts[chart.clearing(payment.channel).code].pk,
                credit_account_id=accounts[chart.receivable(bill.biller.code).code].pk,
                amount=payment.amount_fen,
                ledger=chart.LEDGER,
                currency=payment.currency,
                code=chart.PAYMENT,
                refs={"bill": str(bill.pk), "payment": str(payment.pk)},
            )
        ],
    )
    record(
        actor=SYSTEM,
        tenant=tenant,
        action="billing.payment_succeeded",
        obj=payment,
        changes={
            "from": before,
            "to": payment.state,
            "source": source,
            "amount_fen": payment.amount_fen,
            "provider_reference": payment.provider_reference,
            "bill_state": bill.state,
        },
    )
    if bill.net_paid_fen > bill.total_fen:
        # Money arrived that the bill no longer asks for (a late success after expiry while another
        # payment paid it, or a cancelled bill): it is booked, then given back.
        from .refunds import refund_excess

        refund_excess(SYSTEM, tenant, bill, reason="overpayment")
    if bill.state == Bill.State.PAID and not was_paid:
        tenant_id, bill_id, source_ref = tenant.pk, bill.pk, (bill.source_type, bill.source_id)
        transaction.on_commit(
            lambda: bill_paid.send(
                sender=Bill, tenant_id=tenant_id, bill_id=bill_id, source_type=source_ref[0], source_id=source_ref[1]
            )
        )


def finish_unpaid(tenant: Tenant, bill: Bill, payment: Payment, state: str, source: str, why: str) -> None:
    before = payment.state
    payment.state = state
    payment.finished_at = clock.now()
    payment.save(update_fields=["state", "finished_at"])
    bill.in_flight_fen -= payment.amount_fen
    bill.updated_at = clock.now()
    bill.save(update_fields=["in_flight_fen", "updated_at"])
    record(
        actor=SYSTEM,
        tenant=tenant,
        action=f"billing.payment_{state}",
        obj=payment,
        changes={"from": before, "to": state, "source": source, "reason": why},
    )
