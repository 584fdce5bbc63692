"""Celery task of the receipts app. Suggested beat: ``billing_receipts.issue_missing`` every minute."""

from __future__ import annotations

from celery import shared_task

from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

from . import services


@shared_task(name="billing_receipts.issue_missing")
def issue_missing() -> int:
    """Receipts for succeeded payments that have none (idempotent: one receipt per payment)."""
    issued = 0
    for tenant in tenancy_selectors.tenants(status="active"):
        with tenant_context(tenant):
            issued += services.issue_missing(tenant)
    return issued
