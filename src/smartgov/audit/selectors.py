"""Reads of the audit trail, and the chain check behind ``smartgov audit verify``."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from smartgov.audit import chain
from smartgov.audit.models import AuditChainHead, AuditEvent
from smartgov.tenancy.models import Tenant


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def events(tenant: Tenant, f: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(tenant=tenant)
    f = f or AuditFilter()
    if f.actor_id:
        qs = qs.filter(actor_id=f.actor_id)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    return qs.order_by("-seq")


def verify_chain(tenant: Tenant | None) -> chain.ChainBreak | None:
    """Recompute one chain from the stored rows; None when it is intact."""
    key = str(tenant.pk) if tenant is not None else "platform"
    head = AuditChainHead.objects.filter(chain_key=key).first()
    rows = AuditEvent.objects.filter(chain_key=key).order_by("seq").iterator(chunk_size=2000)
    stream = (chain.ChainEvent(str(e.id), e.seq, e.chain_content(), e.prev_hash, e.hash) for e in rows)
    return chain.first_break(stream, head.last_seq if head else 0, head.last_hash if head else None)


def chain_summary(tenant: Tenant) -> tuple[int, datetime | None]:
    """How many events the tenant's chain holds, and when the last one happened."""
    head = AuditChainHead.objects.filter(chain_key=str(tenant.pk)).first()
    last = (
        AuditEvent.objects.filter(tenant=tenant).order_by("-seq").values_list("created_at", flat=True).first()
    )
    return (head.last_seq if head else 0), last


CSV_COLUMNS = [
    "seq",
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "changes",
    "request_id",
    "ip",
    "hash",
]
CSV_LIMIT = 100_000


def events_csv(tenant: Tenant, f: AuditFilter | None = None) -> str:
    """The filtered trail as CSV for finance and inspectors (UTF-8 with a BOM, so spreadsheet tools
    open it as such), at most CSV_LIMIT rows."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in events(tenant, f)[:CSV_LIMIT]:
        writer.writerow(
            [
                e.seq,
                e.created_at.isoformat(),
                e.actor_type,
                e.actor_id,
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                json.dumps(e.changes, ensure_ascii=False),
                e.request_id,
                e.ip or "",
                e.hash,
            ]
        )
    return out.getvalue()
