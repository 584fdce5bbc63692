"""Background work of the documents app: the retention sweep (run it daily from Celery beat,
e.g. ``"expire-documents": {"task": "smartgov.documents.tasks.expire_documents", "schedule": 86400}``)."""

from __future__ import annotations

import logging

from celery import shared_task

from smartgov.documents import retention
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

log = logging.getLogger("smartgov.documents")


@shared_task(name="smartgov.documents.tasks.expire_documents", acks_late=True)
def expire_documents() -> dict[str, int]:
    """Remove every tenant's documents whose retention ended, and objects no document owns
    (``retention.sweep_orphans``); returns retention removals per tenant slug.
    Each tenant runs in its own tenant context (row-level security sees that tenant only)."""
    removed: dict[str, int] = {}
    for tenant in tenancy_selectors.tenants():
        with tenant_context(tenant):
            count = retention.expire_due(tenant)
            retention.sweep_orphans(tenant)
        if count:
            log.info("expired %d documents of %s", count, tenant.slug)
            removed[tenant.slug] = count
    return removed
