"""Sending notices in the background, with retries and exponential backoff.

With a broker (production) each delivery is a Celery task; a notice's deliveries are queued by one
``fan_out`` task, so the request that notified publishes one message however many channels the
person chose (each publish costs the request about a millisecond); a failed attempt raises
``DeliveryRetry`` and Celery's autoretry schedules the next one after a growing, jittered
delay. In the embedded default (no broker) the task runs eagerly in the process, right after the
transaction commits; Celery then re-runs a retried task at once, so the attempts come back to
back. Either way the count lives in the delivery row (``services.MAX_ATTEMPTS``), so the retries
end, and the last failure is recorded rather than raised into the request that committed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from smartgov.notices import services
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

log = logging.getLogger("smartgov.notices")


class DeliveryRetry(Exception):
    """This attempt failed; try the delivery again later."""


@shared_task(
    bind=True,
    name="smartgov.notices.tasks.deliver",
    autoretry_for=(DeliveryRetry,),
    retry_backoff=30,  # seconds: 30, 60, 120, ... with full jitter
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,  # a backstop: the delivery row stops the retries first
    acks_late=True,
)
def deliver(self: Any, tenant_id: str, delivery_id: str) -> str:
    outcome = _attempt(tenant_id, delivery_id)
    if outcome == services.RETRY:
        raise DeliveryRetry(f"delivery {delivery_id}: attempt failed, will retry")
    return outcome


def _attempt(tenant_id: str, delivery_id: str) -> str:
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        return services.attempt_delivery(tenant, delivery_id)


@shared_task(
    name="smartgov.notices.tasks.fan_out",
    autoretry_for=(Exception,),  # a broker hiccup must not leave deliveries queued with no task
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
    acks_late=True,
)
def fan_out(tenant_id: str, delivery_ids: list[str]) -> int:
    """Queue one ``deliver`` task per delivery, so each channel retries on its own. Run again (a
    worker died half-way, or a publish failed and the task retries), it queues some deliveries
    twice; the row lock, the status check and the attempt count in the row keep a delivery from
    being sent twice or tried forever (a second task may spend an attempt early)."""
    for delivery_id in delivery_ids:
        deliver.apply_async(args=[tenant_id, delivery_id])
    return len(delivery_ids)


def enqueue_deliveries(tenant_id: str, delivery_ids: list[str]) -> None:
    """Queue a notice's deliveries (called after the notifying transaction committed)."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        for delivery_id in delivery_ids:
            _deliver_in_process(tenant_id, delivery_id)
    elif len(delivery_ids) == 1:
        deliver.apply_async(args=[tenant_id, delivery_ids[0]])
    elif delivery_ids:
        fan_out.apply_async(args=[tenant_id, delivery_ids])


def _deliver_in_process(tenant_id: str, delivery_id: str) -> None:
    # In process (the embedded default): retry at once rather than through Celery's eager retry,
    # which re-raises into the request. The delivery row bounds the attempts and records the outcome;
    # a failure is logged and recorded, never raised into the request whose commit triggered it.
    for _ in range(services.MAX_ATTEMPTS):
        try:
            outcome = _attempt(tenant_id, delivery_id)
        except Exception:
            log.exception("delivery %s ended with an error", delivery_id)
            return
        if outcome != services.RETRY:
            return
