"""Celery tasks of the billing app; each calls services, tenant by tenant, inside its tenant_context.

Suggested beat schedule (the lead wires it in settings): ``billing.poll_payments`` every minute,
``billing.daily`` once a day shortly after local midnight, ``billing.expire_pending_transfers`` every
five minutes."""

from __future__ import annotations

import logging

from celery import shared_task

from smartgov.audit.services import Actor
from smartgov.billing import selectors, services
from smartgov.billing.services import ledger
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context, tenant_session

log = logging.getLogger("smartgov.billing")
ACTOR = Actor.system("billing tasks")


def _active_tenants() -> list:
    return list(tenancy_selectors.tenants(status="active"))


@shared_task(name="billing.poll_payments")
def poll_payments() -> dict[str, int]:
    """Ask channels about payments that never heard back; expire those past their time; retry
    refunds a channel answered "pending". No transaction is held while a channel answers: the
    services open short ones of their own."""
    totals: dict[str, int] = {}
    for tenant in _active_tenants():
        with tenant_session(tenant):
            for result, n in services.poll_stale_payments(tenant).items():
                totals[result] = totals.get(result, 0) + n
            for refund_id in selectors.pending_refunds(tenant):
                state = services.retry_pending_refund(tenant, refund_id)
                totals[f"refund_{state}"] = totals.get(f"refund_{state}", 0) + 1
    return totals


@shared_task(name="billing.daily")
def daily() -> dict[str, int]:
    """Mark overdue bills and accrue today's late charges (idempotent per bill and day)."""
    overdue = late = 0
    for tenant in _active_tenants():
        with tenant_context(tenant):
            overdue += services.mark_overdue(ACTOR, tenant)
        with tenant_context(tenant):
            late += services.accrue_late_charges(ACTOR, tenant)
    return {"overdue": overdue, "late_charges": late}


@shared_task(name="billing.expire_pending_transfers")
def expire_pending_transfers() -> int:
    count = 0
    for tenant in _active_tenants():
        with tenant_context(tenant):
            count += len(ledger.expire_pending(tenant))
    return count
