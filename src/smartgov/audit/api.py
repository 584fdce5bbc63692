"""The tenant's audit trail: read, filter, export."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from smartgov.accounts import permissions as perms
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.audit import selectors
from smartgov.audit.schemas import AuditEventOut, AuditFilterIn

router = Router(tags=["audit"], auth=tenant_auth)


def _filter(f: AuditFilterIn) -> selectors.AuditFilter:
    return selectors.AuditFilter(
        actor_id=f.actor,
        object_type=f.object_type,
        object_id=f.object_id,
        action=f.action,
        since=f.since,
        until=f.until,
    )


@router.get("/t/{tenant}/audit/events", response=list[AuditEventOut], summary="List audit events")
@paginate(LimitOffsetPagination)
def list_events(request: HttpRequest, tenant: str, filters: Query[AuditFilterIn]) -> object:
    """Newest first; filter by actor, object, action (prefix) and time."""
    principal(request).require(perms.AUDIT_READ)
    return selectors.events(tenant_of(request), _filter(filters))


@router.get(
    "/t/{tenant}/audit/export.csv",
    summary="Export audit events as CSV",
    response={200: str},
    openapi_extra={"responses": {"200": {"content": {"text/csv": {}}}}},
)
def export_events(request: HttpRequest, tenant: str, filters: Query[AuditFilterIn]) -> HttpResponse:
    """The same filters as the list, as CSV (at most 100,000 rows per export)."""
    principal(request).require(perms.AUDIT_READ)
    body = selectors.events_csv(tenant_of(request), _filter(filters))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{tenant_of(request).slug}.csv"'
    return response
