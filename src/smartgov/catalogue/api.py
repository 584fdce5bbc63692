"""The service catalogue: services, their versions, forms, workflows and the working-day calendar.

Any member of the tenant (and any of its API keys) may browse published services and their forms;
writes need ``catalogue.manage``, which also shows drafts and retired services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from smartgov.accounts import permissions as perms
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.catalogue import selectors, services
from smartgov.catalogue.models import Service, ServiceVersion
from smartgov.catalogue.schemas import (
    CalendarEditIn,
    CalendarOut,
    DeadlineOut,
    DraftIn,
    RetireIn,
    ServiceDetailOut,
    ServiceIn,
    ServiceOut,
    ServicePatchIn,
    SubmissionCheckOut,
    SubmissionIn,
    VersionOut,
    VersionSummaryOut,
    WorkflowCheckIn,
    WorkflowCheckOut,
)
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput, NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant

router = Router(tags=["catalogue"], auth=tenant_auth)


def _manager(request: HttpRequest) -> bool:
    return principal(request).has(perms.CATALOGUE_MANAGE)


def _visible_service(request: HttpRequest, service_id: str) -> Service:
    """Managers see every service; everyone else only published ones (others are simply not found)."""
    tenant = tenant_of(request)
    if _manager(request):
        return selectors.service(tenant, service_id)
    return selectors.published_service(tenant, service_id)


def _detail(tenant: Tenant, service: Service) -> Service:
    (service,) = selectors.with_shown_versions(tenant, [service])
    version = service.shown_version  # type: ignore[attr-defined]
    service.version_id = version.pk if version else None  # type: ignore[attr-defined]
    service.version_number = version.number if version else None  # type: ignore[attr-defined]
    service.form_schema = version.form_schema if version else {}  # type: ignore[attr-defined]
    service.form_ui = version.form_ui if version else {}  # type: ignore[attr-defined]
    return service


class ServiceFilter(Schema):
    query: str | None = None
    department: str | None = None
    status: str | None = None


@router.get("/t/{tenant}/catalogue/services", response=list[ServiceOut], summary="List and search services")
def list_services(request: HttpRequest, tenant: str, filters: Query[ServiceFilter]) -> object:
    """Published services, searched by words in their names, descriptions and department (`query`).
    Callers with `catalogue.manage` also see drafts and retired ones and may filter by `status`."""
    the_tenant = tenant_of(request)
    if _manager(request):
        found = selectors.services(the_tenant, status=filters.status, query=filters.query,
                                   department=filters.department)
    else:
        found = selectors.published_services(the_tenant, query=filters.query, department=filters.department)
    return selectors.with_shown_versions(the_tenant, found[:500])


@router.get("/t/{tenant}/catalogue/services/{service_id}", response=ServiceDetailOut, summary="Get a service")
def get_service(request: HttpRequest, tenant: str, service_id: str) -> object:
    """A service with the form of its current version (JSON Schema 2020-12 plus UI hints), which
    is what an application to it must satisfy. Managers get the draft's form for unpublished ones."""
    return _detail(tenant_of(request), _visible_service(request, service_id))


@router.post("/t/{tenant}/catalogue/services", response={201: ServiceDetailOut}, summary="Create a service")
def create_service(request: HttpRequest, tenant: str, payload: ServiceIn) -> object:
    """A draft service with a first draft version: no form fields yet, the everyday workflow."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    try:
        department = tenancy_selectors.department_by_code(the_tenant, payload.department)
    except NotFound:
        raise InvalidInput.for_field("department", f"No department {payload.department}.") from None
    data = payload.dict()
    data["required_documents"] = [d.dict() for d in payload.required_documents]
    data.pop("department")
    service = services.create_service(caller.actor, the_tenant, department=department, **data)
    return Status(201, _detail(the_tenant, selectors.service(the_tenant, service.pk)))


@router.patch("/t/{tenant}/catalogue/services/{service_id}", response=ServiceDetailOut,
              summary="Change a service's description")
def update_service(request: HttpRequest, tenant: str, service_id: str, payload: ServicePatchIn) -> object:
    """Names, descriptions, eligibility, required documents, delivery mode, owning department.
    Form, workflow, fee, time limit and certificate validity change through the draft version."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    service = selectors.service(the_tenant, service_id)
    changes: dict[str, Any] = payload.dict(exclude_unset=True, exclude_none=True)
    department = None
    if "department" in changes:
        try:
            department = tenancy_selectors.department_by_code(the_tenant, changes.pop("department"))
        except NotFound:
            raise InvalidInput.for_field("department", "No such department.") from None
    services.update_service(caller.actor, the_tenant, service, department=department, **changes)
    return _detail(the_tenant, selectors.service(the_tenant, service_id))


@router.delete("/t/{tenant}/catalogue/services/{service_id}", response={204: None}, summary="Delete a draft service")
def delete_service(request: HttpRequest, tenant: str, service_id: str) -> object:
    """Only a service that was never published; a published one is retired instead (409)."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    services.delete_service(caller.actor, the_tenant, selectors.service(the_tenant, service_id))
    return Status(204, None)


@router.get("/t/{tenant}/catalogue/services/{service_id}/draft", response=VersionOut,
            summary="Get the draft version")
def get_draft(request: HttpRequest, tenant: str, service_id: str) -> object:
    """The version being edited; 404 when nothing is being edited (the next save starts one)."""
    principal(request).require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    draft = selectors.draft_version(the_tenant, selectors.service(the_tenant, service_id))
    if draft is None:
        raise NotFound("No draft: save one to start editing.", code="no_draft")
    return draft


@router.put("/t/{tenant}/catalogue/services/{service_id}/draft", response=VersionOut,
            summary="Save the draft version")
def save_draft(request: HttpRequest, tenant: str, service_id: str, payload: DraftIn) -> object:
    """Form fields and sections, workflow (YAML/JSON text or object), fee, time limit and the validity of
    the certificates it issues (`certificate_validity_months`; `null` for no expiry). A bad form or
    workflow is a 422 whose `details` name each problem's path (`fields[2].name`, `workflow.transitions[3].to`)."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    service = selectors.service(the_tenant, service_id)
    return services.save_draft(caller.actor, the_tenant, service, **payload.dict(exclude_unset=True))


@router.post("/t/{tenant}/catalogue/services/{service_id}/publish", response=VersionOut, summary="Publish the draft")
def publish(request: HttpRequest, tenant: str, service_id: str) -> object:
    """The draft becomes the current version: new applications use it; those already made keep theirs."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    return services.publish_service(caller.actor, the_tenant, selectors.service(the_tenant, service_id))


@router.post("/t/{tenant}/catalogue/services/{service_id}/retire", response=ServiceOut, summary="Retire a service")
def retire(request: HttpRequest, tenant: str, service_id: str, payload: RetireIn) -> object:
    """No new applications; applications in flight continue under their version."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    service = services.retire_service(caller.actor, the_tenant, selectors.service(the_tenant, service_id),
                                      payload.reason)
    return selectors.with_shown_versions(the_tenant, [service])[0]


@router.get("/t/{tenant}/catalogue/services/{service_id}/versions", response=list[VersionSummaryOut],
            summary="List a service's versions")
def list_versions(request: HttpRequest, tenant: str, service_id: str) -> object:
    principal(request).require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    return list(selectors.versions(the_tenant, selectors.service(the_tenant, service_id)))


@router.get("/t/{tenant}/catalogue/versions/{version_id}", response=VersionOut, summary="Get a service version")
def get_version(request: HttpRequest, tenant: str, version_id: str) -> object:
    """A version by id, also when superseded (applications keep the version they were made against).
    Drafts only for managers."""
    return _published_version(request, version_id)


def _published_version(request: HttpRequest, version_id: str) -> ServiceVersion:
    version = selectors.service_version(tenant_of(request), version_id)
    if not version.is_published and not _manager(request):
        raise NotFound("No such service version.")
    return version


@router.post("/t/{tenant}/catalogue/versions/{version_id}/check", response=SubmissionCheckOut,
             summary="Check answers against a version's form")
def check_submission(request: HttpRequest, tenant: str, version_id: str, payload: SubmissionIn) -> object:
    """Field errors the form's schema finds in `data` (fields hidden by their conditions are ignored);
    the same check that refuses a submission. Nothing is stored."""
    errors = services.validate_submission(_published_version(request, version_id), payload.data)
    return {"valid": not errors, "errors": [e.as_dict() for e in errors]}


@router.post("/t/{tenant}/catalogue/workflows/check", response=WorkflowCheckOut, summary="Validate a workflow")
def check_workflow(request: HttpRequest, tenant: str, payload: WorkflowCheckIn) -> object:
    """Problems of a workflow definition (YAML/JSON text or object), each naming its path, including
    departments and roles this tenant does not have."""
    principal(request).require(perms.CATALOGUE_MANAGE)
    definition, problems = services.parse_workflow(payload.source)
    problems = problems or services.tenant_problems(tenant_of(request), definition)
    return {"valid": not problems, "problems": [p.as_dict() for p in problems],
            "definition": definition if not problems else None}


@router.get("/t/{tenant}/catalogue/calendar", response=CalendarOut, summary="Get the working-day calendar")
def get_calendar(request: HttpRequest, tenant: str, year: int | None = None) -> object:
    """The days of `year` (default: this year) that are not plain Monday-Friday work: official
    holidays and adjusted working days, and the tenant's own days, which win."""
    the_tenant = tenant_of(request)
    year = year or selectors.local_date(the_tenant, clock.now()).year
    if not 2000 <= year <= 2100:
        raise InvalidInput.for_field("year", "must be between 2000 and 2100")
    return {"year": year, "days": selectors.calendar_year(the_tenant, year)}


@router.put("/t/{tenant}/catalogue/calendar", response=CalendarOut, summary="Edit the working-day calendar")
def edit_calendar(request: HttpRequest, tenant: str, payload: CalendarEditIn) -> object:
    """Set days as working days or days off (`is_working_day` true/false), or return them to the
    official schedule (null). Answers the calendar of the first changed day's year."""
    caller = principal(request)
    caller.require(perms.CATALOGUE_MANAGE)
    the_tenant = tenant_of(request)
    services.edit_calendar(caller.actor, the_tenant, [(c.date, c.is_working_day, c.note) for c in payload.changes])
    year = payload.changes[0].date.year if payload.changes else selectors.local_date(the_tenant, clock.now()).year
    return {"year": year, "days": selectors.calendar_year(the_tenant, year)}


@router.get("/t/{tenant}/catalogue/calendar/deadline", response=DeadlineOut, summary="Compute a deadline")
def deadline(request: HttpRequest, tenant: str, start: date | None = None, working_days: int = 1) -> object:
    """The `working_days`-th working day after `start` (default today; the start day never counts)."""
    the_tenant = tenant_of(request)
    if not 0 <= working_days <= 1000:
        raise InvalidInput.for_field("working_days", "must be from 0 to 1000")
    start = start or selectors.local_date(the_tenant, clock.now())
    return {"start": start, "working_days": working_days,
            "deadline": selectors.add_working_days(the_tenant, start, working_days)}
