"""Payments that never heard back: ask the channel about each (no transaction is open while it
answers), record what it says, expire what is past its time, and give up a checkout that was never
recorded. The beat task ``billing.poll_payments`` runs ``poll_stale_payments`` every minute."""

from __future__ import annotations

import logging
from typing import Any

from smartgov.billing import channels
from smartgov.billing.models import Bill, Payment
from smartgov.billing.providers.base import ProviderError
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

from .payments import apply_result, finish_unpaid, give_up, poll_after

log = logging.getLogger("smartgov.billing")


def poll_payment(tenant: Tenant, payment_id: Any) -> str:
    """Ask the channel about a payment we have not heard back about (no transaction is open while it
    answers); expire it when its time is up and the channel does not report it paid. A payment whose
    checkout was never recorded (its process died between the steps of ``create_payment``) and that
    the channel does not know is given up at once, so the bill it held is free again. Returns what
    happened."""
    with tenant_context(tenant):
        payment = Payment.objects.get(tenant=tenant, pk=payment_id)
    if payment.state != Payment.State.CREATED:
        return "final"
    provider = channels.provider(payment.channel, tenant)
    try:
        n = provider.query(payment.out_trade_no)
    except ProviderError as exc:
        log.info("polling %s failed: %s", payment.out_trade_no, exc)
        n = None
        if exc.retryable:
            _touch(tenant, payment.pk)
            return "unreachable"
    if n is not None and n.status in ("succeeded", "failed", "closed"):
        return apply_result(tenant, payment.channel, n, source="poll").result
    if n is None and payment.checkout_at is None and clock.now() >= payment.created_at + poll_after():
        return "abandoned" if give_up(tenant, payment.pk, "checkout_not_recorded") == "failed" else "final"
    if clock.now() >= payment.expires_at:
        return _expire(tenant, payment.pk)
    _touch(tenant, payment.pk)
    return "waiting"


def _touch(tenant: Tenant, payment_id: Any) -> None:
    with tenant_context(tenant):
        Payment.objects.filter(tenant=tenant, pk=payment_id).update(last_polled_at=clock.now())


def _expire(tenant: Tenant, payment_id: Any) -> str:
    with tenant_context(tenant):
        bill_id = Payment.objects.filter(tenant=tenant, pk=payment_id).values_list("bill_id", flat=True).get()
        bill = Bill.objects.select_for_update().get(tenant=tenant, pk=bill_id)
        payment = Payment.objects.select_for_update().get(tenant=tenant, pk=payment_id)
        if payment.state != Payment.State.CREATED:
            return "final"
        finish_unpaid(tenant, bill, payment, Payment.State.EXPIRED, "poll", "timeout")
        return "expired"


def poll_stale_payments(tenant: Tenant, limit: int = 500) -> dict[str, int]:
    """Poll every open payment older than BILLING_POLL_AFTER_SECONDS (oldest first)."""
    cutoff = clock.now() - poll_after()
    with tenant_context(tenant):
        ids = list(
            Payment.objects.filter(tenant=tenant, state=Payment.State.CREATED, created_at__lte=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
    counts: dict[str, int] = {}
    for payment_id in ids:
        result = poll_payment(tenant, payment_id)
        counts[result] = counts.get(result, 0) + 1
    return counts
