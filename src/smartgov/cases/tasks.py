"""Periodic work of the cases app (Celery; eager in the embedded default). Run from Celery beat:
``"cases-sla": {"task": "smartgov.cases.tasks.watch_deadlines", "schedule": 900}`` — every quarter
hour it escalates breached steps per the workflow's breach rule, sends deadline-approaching notices
and moves paid cases on (a backstop for billing's ``bill_paid`` signal)."""

from __future__ import annotations

import logging

from celery import shared_task

from smartgov.cases import services
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

log = logging.getLogger("smartgov.cases")


@shared_task(name="smartgov.cases.tasks.watch_deadlines", acks_late=True)
def watch_deadlines() -> dict[str, dict[str, int]]:
    """Per tenant (each in its own tenant context, so row-level security sees only that tenant)."""
    done: dict[str, dict[str, int]] = {}
    for tenant in tenancy_selectors.tenants("active"):
        with tenant_context(tenant):
            counts = {
                "breached": services.escalate_breaches(tenant),
                "deadline_notices": services.notify_deadlines(tenant),
                "paid": services.settle_payments(tenant),
            }
        if any(counts.values()):
            log.info("case deadlines of %s: %s", tenant.slug, counts)
            done[tenant.slug] = counts
    return done
