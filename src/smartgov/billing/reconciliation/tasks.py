"""Celery tasks of reconciliation. Suggested beat: ``billing_reconciliation.daily`` once a day in the
morning (Beijing time), after the channels have published the previous day's statements."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task

from smartgov.audit.services import Actor
from smartgov.billing import channels
from smartgov.kit import clock
from smartgov.kit.errors import DomainError
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

from . import selectors, services

log = logging.getLogger("smartgov.billing.reconciliation")
ACTOR = Actor.system("reconciliation tasks")
RECHECK_DAYS = 7


def reconcile_day(tenant: Tenant, day: date) -> dict[str, int]:
    """Fetch and import every channel's statement of ``day`` not imported yet, then re-check the
    tenant's open statements of the last week (a late notification, or the next day's file listing a
    payment, clears what it explains)."""
    counts = {"imported": 0, "unavailable": 0, "rechecked": 0}
    for code in channels.codes():
        with tenant_context(tenant):
            if selectors.statement_for_day(tenant, code, day) is not None:
                continue
            try:
                services.fetch_and_import(ACTOR, tenant, channel=code, day=day)
                counts["imported"] += 1
            except DomainError as exc:  # not published yet, or no download for this channel
                log.info("statement %s %s for %s: %s", code, day, tenant.slug, exc.message)
                counts["unavailable"] += 1
    with tenant_context(tenant):
        recent = selectors.statements(tenant, state="open").filter(day__gte=day - timedelta(days=RECHECK_DAYS))
        for statement in list(recent):
            services.rematch(ACTOR, tenant, statement)
            counts["rechecked"] += 1
    return counts


@shared_task(name="billing_reconciliation.daily")
def daily() -> dict[str, int]:
    yesterday = clock.now().astimezone(selectors.PROVIDER_ZONE).date() - timedelta(days=1)
    totals: dict[str, int] = {}
    for tenant in tenancy_selectors.tenants(status="active"):
        for key, n in reconcile_day(tenant, yesterday).items():
            totals[key] = totals.get(key, 0) + n
    return totals
