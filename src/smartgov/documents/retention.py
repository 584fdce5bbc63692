"""Document retention: the sweep that removes documents whose type's retention period has ended,
the sweep of stored objects no document owns, and a tenant's retention settings per type."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.documents import services, store
from smartgov.documents.models import Document, DocumentType
from smartgov.documents.types import BUILTIN, DocType
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.models import Tenant

log = logging.getLogger("smartgov.documents")


def expire_due(tenant: Tenant, *, batch: int = 500) -> int:
    """Remove the tenant's documents whose type's retention period has ended (counted from when
    they were stored), at most ``batch`` per type per run. Runs in the caller's transaction (the
    task's tenant context); a failure rolls that tenant's run back and the next run redoes it, and
    objects are deleted only after the commit. Returns how many were removed."""
    now = clock.now()
    removed = 0
    actor = Actor.system("document retention")
    for code in BUILTIN:
        the_type = services.document_type(tenant, code)
        if the_type.retention_days is None:
            continue
        cutoff = now - timedelta(days=the_type.retention_days)
        due = list(
            Document.objects.filter(tenant=tenant, doc_type=code, status__in=Document.LIVE, created_at__lt=cutoff)
            .values_list("pk", flat=True)[:batch]
        )
        for document_id in due:
            with transaction.atomic():
                document = Document.objects.select_for_update().filter(tenant=tenant, pk=document_id).first()
                if document is None or not document.is_live:
                    continue
                services.remove(actor, tenant, document, Document.Status.EXPIRED, "document.expire",
                        f"retention of {the_type.retention_days} days ended")
                removed += 1
    return removed


def sweep_orphans(tenant: Tenant, *, older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored objects no live document owns: left behind when a transaction around an
    upload rolled back after the object was written (a caller's outer transaction failing), or
    when a removal could not delete its object. Objects younger than ``older_than`` are left
    alone, so an upload still in its transaction is never touched. Returns how many went."""
    names = store.names_under(tenant)
    if not names:
        return 0
    live = set(
        Document.objects.filter(tenant=tenant, status__in=Document.LIVE, storage_name__in=names)
        .values_list("storage_name", flat=True)
    )
    cutoff = clock.now() - older_than
    swept = 0
    for name in names:
        if name in live or store.modified_at(name) > cutoff:
            continue
        store.remove(name)
        log.info("swept orphaned document object %s", name)
        swept += 1
    return swept


@transaction.atomic
def set_retention(
    actor: Actor, tenant: Tenant, code: str, *, retention_days: int | None, name_zh: str = "", name_en: str = ""
) -> DocType:
    """Override a document type's retention period (None: keep indefinitely) and names."""
    current = services.document_type(tenant, code)
    if retention_days is not None and retention_days < 1:
        raise InvalidInput.for_field("retention_days", _("retention_days must be at least 1, or empty"))
    row, _created = DocumentType.objects.update_or_create(
        tenant=tenant,
        code=code,
        defaults={
            "name_zh": name_zh.strip() or current.name_zh,
            "name_en": name_en.strip() or current.name_en,
            "retention_days": retention_days,
            "updated_at": clock.now(),
        },
    )
    record(actor=actor, tenant=tenant, action="document_type.set", obj=row,
           changes={"code": code, "retention_days": [current.retention_days, retention_days]})
    return services.document_type(tenant, code)
