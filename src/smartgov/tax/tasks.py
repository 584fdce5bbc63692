"""Celery tasks of the tax app: the monthly assessment, one task per tenant so tenants run apart.

Schedule ``tax.assess_all`` on the 16th of each month (after the 15th filing deadline) with Celery
beat; it fans out ``tax.assess_tenant`` for last month."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from smartgov.audit.services import Actor
from smartgov.tax import services
from smartgov.tax.services.common import last_month
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

ACTOR = Actor.system("tax.assess")


@shared_task(name="tax.assess_tenant")
def assess_tenant(slug: str, period: str) -> dict[str, Any]:
    tenant = tenancy_selectors.tenant_by_slug(slug)
    with tenant_context(tenant):
        report = services.assess(ACTOR, tenant, period)
    return {k: v for k, v in report.as_dict().items() if k != "unfiled"}


@shared_task(name="tax.assess_all")
def assess_all(period: str | None = None) -> int:
    period = period or last_month()
    tenants = list(tenancy_selectors.tenants("active"))
    for tenant in tenants:
        assess_tenant.delay(tenant.slug, period)
    return len(tenants)
