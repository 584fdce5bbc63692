"""Reconciliation for finance: import statements, see and resolve differences, close days, export;
collections and ageing reports. Every operation needs ``finance.reconcile``."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from smartgov.accounts import permissions as perms
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.models import Tenant

from . import reports, selectors, services
from .models import Statement
from .schemas import (
    AgeingRowOut,
    CollectionRowOut,
    DifferenceOut,
    FetchStatementIn,
    RecheckOut,
    ResolveIn,
    StatementIn,
    StatementOut,
)

router = Router(tags=["reconciliation"], auth=tenant_auth)
BASE = "/t/{tenant}/billing/reconciliation"


def _caller(request: HttpRequest) -> Any:
    caller = principal(request)
    caller.require(perms.FINANCE_RECONCILE)
    return caller


def statement_out(tenant: Tenant, statement: Statement) -> dict[str, Any]:
    diffs = list(selectors.differences(tenant, statement))
    lines = selectors.lines(tenant, statement)
    return {
        "id": statement.pk,
        "channel": statement.channel,
        "day": statement.day,
        "filename": statement.filename,
        "sha256": statement.sha256,
        "lines": statement.lines_count,
        "matched": lines.filter(matched=True).count(),
        "payments_fen": statement.payments_fen,
        "refunds_fen": statement.refunds_fen,
        "fees_fen": statement.fees_fen,
        "net_fen": statement.net_fen,
        "state": statement.state,
        "open_differences": sum(1 for d in diffs if d.state == "open"),
        "imported_at": statement.imported_at,
        "closed_at": statement.closed_at,
        "differences": [difference_out(d) for d in diffs],
    }


def difference_out(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "reference": d.reference,
        "line": d.line.position if d.line else None,
        "ours_fen": d.ours_fen,
        "theirs_fen": d.theirs_fen,
        "state": d.state,
        "resolution": d.resolution,
        "resolved_by": d.resolved_by,
        "resolved_at": d.resolved_at,
    }


def _csv(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(f"{BASE}/statements", response={201: StatementOut}, summary="Import a settlement statement")
def import_statement(request: HttpRequest, tenant: str, payload: StatementIn) -> Any:
    """Import a channel's daily settlement statement (base64 of the file) and match it against our
    payments and refunds. A malformed file is a 422 `statement_rejected` listing every rejected line
    and imports nothing; the same file again returns the statement already imported."""
    caller = _caller(request)
    the_tenant = tenant_of(request)
    try:
        content = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.for_field("content_base64", "This is not base64.", code="invalid_base64") from None
    statement = services.import_statement(
        caller.actor, the_tenant, channel=payload.channel, content=content, filename=payload.filename, day=payload.day
    )
    return Status(201, statement_out(the_tenant, statement))


@router.post(f"{BASE}/statements/fetch", response={201: StatementOut}, summary="Fetch and import a statement")
def fetch_statement(request: HttpRequest, tenant: str, payload: FetchStatementIn) -> Any:
    """Download the day's statement from the channel and import it (502 while it is not ready)."""
    caller = _caller(request)
    the_tenant = tenant_of(request)
    statement = services.fetch_and_import(caller.actor, the_tenant, channel=payload.channel, day=payload.day)
    return Status(201, statement_out(the_tenant, statement))


@router.get(f"{BASE}/statements", response=list[StatementOut], summary="List statements")
def list_statements(
    request: HttpRequest, tenant: str, channel: str | None = None, state: str | None = None, limit: int = 50
) -> Any:
    _caller(request)
    the_tenant = tenant_of(request)
    rows = selectors.statements(the_tenant, channel=channel, state=state)[: max(1, min(limit, 200))]
    return [statement_out(the_tenant, s) for s in rows]


@router.get(f"{BASE}/statements/{{statement_id}}", response=StatementOut, summary="Get a statement")
def get_statement(request: HttpRequest, tenant: str, statement_id: str) -> Any:
    """A statement with its totals and every difference, open and resolved."""
    _caller(request)
    the_tenant = tenant_of(request)
    return statement_out(the_tenant, selectors.statement(the_tenant, statement_id))


@router.get(f"{BASE}/statements/{{statement_id}}/csv", summary="Export a reconciliation (CSV)")
def statement_csv(request: HttpRequest, tenant: str, statement_id: str) -> HttpResponse:
    """Every statement line with its result, then what is missing from the statement."""
    _caller(request)
    the_tenant = tenant_of(request)
    statement = selectors.statement(the_tenant, statement_id)
    return _csv(reports.statement_csv(the_tenant, statement), f"reconciliation-{statement.channel}-{statement.day}.csv")


@router.post(f"{BASE}/statements/{{statement_id}}/recheck", response=RecheckOut, summary="Re-check a statement")
def recheck(request: HttpRequest, tenant: str, statement_id: str) -> Any:
    """Match an open statement again: differences that no longer hold are cleared, new ones added."""
    caller = _caller(request)
    the_tenant = tenant_of(request)
    return services.rematch(caller.actor, the_tenant, selectors.statement(the_tenant, statement_id))


@router.post(f"{BASE}/statements/{{statement_id}}/close", response=StatementOut, summary="Close a day")
def close(request: HttpRequest, tenant: str, statement_id: str) -> Any:
    """Close the statement's day: a 409 `differences_open` while any difference is open."""
    caller = _caller(request)
    the_tenant = tenant_of(request)
    statement = services.close_statement(caller.actor, the_tenant, selectors.statement(the_tenant, statement_id))
    return statement_out(the_tenant, statement)


@router.post(f"{BASE}/differences/{{difference_id}}/resolve", response=DifferenceOut, summary="Resolve a difference")
def resolve(request: HttpRequest, tenant: str, difference_id: str, payload: ResolveIn) -> Any:
    """Resolve one difference with the reason (audited); a 409 if it is resolved or its day closed."""
    caller = _caller(request)
    the_tenant = tenant_of(request)
    diff = services.resolve_difference(
        caller.actor, the_tenant, selectors.difference(the_tenant, difference_id), reason=payload.reason
    )
    return difference_out(selectors.difference(the_tenant, diff.pk))


def _range(date_from: date | None, date_to: date | None, tenant: Tenant) -> tuple[date, date]:
    today = clock.now().astimezone(clock.DEFAULT_ZONE).date()
    date_to = date_to or today
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise InvalidInput.for_field("date_from", "date_from is after date_to.", code="invalid_range")
    if (date_to - date_from).days > reports.MAX_DAYS:
        raise InvalidInput.for_field("date_from", "At most a year at a time.", code="range_too_long")
    return date_from, date_to


@router.get(f"{BASE}/reports/collections", response=list[CollectionRowOut], summary="Daily collections")
def collections(request: HttpRequest, tenant: str, date_from: date | None = None, date_to: date | None = None) -> Any:
    """Collections per local day, biller and channel (payments, refunds, net); default: this month."""
    _caller(request)
    the_tenant = tenant_of(request)
    rows = reports.collections(the_tenant, *_range(date_from, date_to, the_tenant))
    return [{**r.__dict__, "net_fen": r.net_fen} for r in rows]


@router.get(f"{BASE}/reports/collections.csv", summary="Daily collections (CSV)")
def collections_csv(
    request: HttpRequest, tenant: str, date_from: date | None = None, date_to: date | None = None
) -> HttpResponse:
    _caller(request)
    the_tenant = tenant_of(request)
    start, end = _range(date_from, date_to, the_tenant)
    return _csv(reports.collections_csv(reports.collections(the_tenant, start, end)), f"collections-{start}-{end}.csv")


@router.get(f"{BASE}/reports/ageing", response=list[AgeingRowOut], summary="Receivables ageing")
def ageing(request: HttpRequest, tenant: str, as_of: date | None = None) -> Any:
    """Outstanding receivables per biller in buckets of days past due (not due, 1-30, ..., 180+)."""
    _caller(request)
    the_tenant = tenant_of(request)
    rows = reports.ageing(the_tenant, as_of or clock.now().astimezone(clock.DEFAULT_ZONE).date())
    return [{"biller": r.biller, "bills": r.bills, "buckets": r.buckets, "total_fen": r.total_fen} for r in rows]


@router.get(f"{BASE}/reports/ageing.csv", summary="Receivables ageing (CSV)")
def ageing_csv(request: HttpRequest, tenant: str, as_of: date | None = None) -> HttpResponse:
    _caller(request)
    the_tenant = tenant_of(request)
    day = as_of or clock.now().astimezone(clock.DEFAULT_ZONE).date()
    return _csv(reports.ageing_csv(reports.ageing(the_tenant, day)), f"ageing-{day}.csv")
