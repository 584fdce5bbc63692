"""Sending notices in the background, with retries and exponential backoff.

With a broker (production) each delivery is a Celery task; a failed attempt raises
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


def enqueue_delivery(tenant_id: str, delivery_id: str) -> None:
    """Queue one delivery (called after the notifying transaction committed)."""
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        deliver.apply_async(args=[tenant_id, delivery_id])
        return
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
