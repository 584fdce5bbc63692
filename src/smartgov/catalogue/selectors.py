"""Reads of the catalogue, each taking the tenant: services, versions and the working calendar.

The cases app builds on these: ``published_services``, ``published_service``, ``service_version``,
``current_version``, ``working_calendar``, ``add_working_days``, ``deadline_for``,
``certificate_valid_until``, and a version's workflow and form through ``workflow_*``,
``submission_data`` and ``document_fields`` (the pure cores stay behind this public module)."""

from __future__ import annotations

from datetime import date, datetime
from functools import reduce
from operator import and_
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from smartgov.catalogue import calendar as cal
from smartgov.catalogue import formschema
from smartgov.catalogue import workflow as wf
from smartgov.catalogue.models import CalendarDay, Service, ServiceVersion
from smartgov.kit.errors import Conflict, InvalidInput, NotFound
from smartgov.kit.memo import TtlCache
from smartgov.kit.statements import Query
from smartgov.tenancy.models import Tenant
from smartgov.tenancy.selectors import TENANT_CACHE_SECONDS

_SEARCHED = ("code", "name_zh", "name_en", "description_zh", "description_en", "department__name_zh",
             "department__name_en")


def _search(qs: QuerySet[Service], query: str | None) -> QuerySet[Service]:
    terms = (query or "").split()[:8]
    if not terms:
        return qs
    conditions = [reduce(lambda a, b: a | b, (Q(**{f"{f}__icontains": term}) for f in _SEARCHED)) for term in terms]
    return qs.filter(reduce(and_, conditions))


def services(
    tenant: Tenant, *, status: str | None = None, query: str | None = None, department: str | None = None
) -> QuerySet[Service]:
    """Every service of the tenant (administrators), optionally filtered."""
    qs = Service.objects.filter(tenant=tenant).select_related("department", "current_version").order_by("code")
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    return _search(qs, query)


def published_services(
    tenant: Tenant, query: str | None = None, department: str | None = None
) -> QuerySet[Service]:
    """What citizens and businesses may apply for now (search over names, descriptions, department)."""
    return services(tenant, status=Service.Status.PUBLISHED, query=query, department=department)


def _uuid(value: UUID | str) -> UUID:
    """A UUID from a path segment; anything malformed names no row: the nil UUID (never a key)."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return UUID(int=0)


# Every submission reads its service (compiled once: kit.statements).
_SERVICE = {
    joined: Query(
        lambda tenant, pk, joined=joined: Service.objects.select_related(*joined).filter(tenant_id=tenant, pk=pk),
        tenant=UUID,
        pk=UUID,
    )
    for joined in (("department", "current_version"), ("department",))
}


def service(tenant: Tenant, service_id: UUID | str, *, with_version: bool = True) -> Service:
    """A service with its department and (unless told not to) its current version joined."""
    joined = ("department", "current_version") if with_version else ("department",)
    found: Service | None = _SERVICE[joined].first(tenant=tenant.pk, pk=_uuid(service_id))
    if found is None:
        raise NotFound(_("No such service."))
    return found


def published_service(tenant: Tenant, service_id: UUID | str, *, with_version: bool = True) -> Service:
    """A service open for applications; drafts and retired services are not found."""
    found = service(tenant, service_id, with_version=with_version)
    if found.status != Service.Status.PUBLISHED:
        raise NotFound(_("No such service."))
    return found


def service_by_code(tenant: Tenant, code: str) -> Service:
    try:
        return Service.objects.select_related("department", "current_version").get(tenant=tenant, code=code)
    except Service.DoesNotExist:
        raise NotFound(_("No service %(code)s.") % {"code": code}) from None


def versions(tenant: Tenant, service: Service) -> QuerySet[ServiceVersion]:
    return ServiceVersion.objects.filter(tenant=tenant, service=service).select_related("service").order_by("-number")


def service_version(tenant: Tenant, version_id: UUID | str) -> ServiceVersion:
    """Any version by id (an application keeps the one it was made against, even when superseded)."""
    try:
        return ServiceVersion.objects.select_related("service", "service__department").get(
            tenant=tenant, pk=_uuid(version_id)
        )
    except ServiceVersion.DoesNotExist:
        raise NotFound(_("No such service version.")) from None


def current_version(tenant: Tenant, service: Service) -> ServiceVersion:
    """The published version new applications are made against; NotFound if none is open."""
    version_id = _open_version_id(tenant, service)
    version = service.current_version if Service.current_version.is_cached(service) else None
    if version is not None:  # joined by service(): no second query
        version.service = service
        return version
    return service_version(tenant, version_id)


def _open_version_id(tenant: Tenant, service: Service) -> UUID:
    """The id of the version a service takes applications under; NotFound if it takes none."""
    if service.tenant_id != tenant.pk or service.current_version_id is None or \
            service.status != Service.Status.PUBLISHED:
        raise NotFound(_("This service takes no applications."), code="service_not_open")
    return service.current_version_id


# Every submission reads its service's published version: the form, its schema and the workflow,
# several JSON documents. A published version never changes (``ServiceVersion.save`` refuses), so a
# process may keep it exactly; the time limit only lets go of versions nobody applies for any more.
# The key holds the tenant the row was read for (under its row-level security).
_published: TtlCache[tuple[UUID, UUID], ServiceVersion] = TtlCache(seconds=3600, maxsize=1024)


def open_service(tenant: Tenant, service_id: UUID | str) -> tuple[Service, ServiceVersion]:
    """A published service and the version new applications are made against, for the submission's
    hot path. The version may be shared with other requests of this process: read it, never change
    it (its ``service`` is not loaded: use the service returned beside it)."""
    found = published_service(tenant, service_id, with_version=False)
    version_id = _open_version_id(tenant, found)
    key = (tenant.pk, version_id)
    version = _published.get(key)
    if version is None:
        version = ServiceVersion.objects.get(tenant=tenant, pk=version_id)
        if version.published_at is not None:  # a current version is published; never keep a draft
            _published.put(key, version)
    return found, version


def draft_version(tenant: Tenant, service: Service) -> ServiceVersion | None:
    return versions(tenant, service).filter(published_at__isnull=True).first()


def working_version(tenant: Tenant, service: Service) -> ServiceVersion | None:
    """What the catalogue shows of a service: the published version, else the draft."""
    if service.current_version_id is not None:
        return service_version(tenant, service.current_version_id)
    return draft_version(tenant, service)


# --- the working-day calendar ------------------------------------------------------------------


def calendar_days(tenant: Tenant, year: int | None = None) -> QuerySet[CalendarDay]:
    qs = CalendarDay.objects.filter(tenant=tenant).order_by("date")
    return qs.filter(date__year=year) if year else qs


_OWN_DAYS = Query(
    lambda tenant: CalendarDay.objects.filter(tenant_id=tenant).order_by("date").values_list(
        "date", "is_working_day", "note"
    ),
    tenant=UUID,
)


# Every submission counts its deadline in the tenant's calendar, which its administrators change a
# few times a year: kept per process, forgotten at once by the process that changes it, and within
# TENANT_CACHE_SECONDS by the others (as the tenant itself is).
_calendars: TtlCache[UUID, cal.WorkingCalendar] = TtlCache(TENANT_CACHE_SECONDS)


def working_calendar(tenant: Tenant) -> cal.WorkingCalendar:
    """The official schedules with the tenant's own days on top."""
    found = _calendars.get(tenant.pk)
    if found is None:
        own = _OWN_DAYS.rows(tenant=tenant.pk)
        found = cal.WorkingCalendar.official(
            {day: working for day, working, _note in own}, {day: note for day, _working, note in own if note}
        )
        _calendars.put(tenant.pk, found)
    return found


def forget_calendar(tenant: Tenant) -> None:
    """The tenant's calendar changed: read it again (now, and once the change is committed)."""
    _calendars.forget(tenant.pk)


def add_working_days(tenant: Tenant, start: date, n: int) -> date:
    """The n-th working day after ``start`` in the tenant's calendar."""
    return cal.add_working_days(start, n, working_calendar(tenant))


def working_days_between(tenant: Tenant, a: date, b: date) -> int:
    return cal.working_days_between(a, b, working_calendar(tenant))


def local_date(tenant: Tenant, instant: datetime) -> date:
    """The tenant's local calendar date of a UTC instant (legal deadlines run on local dates)."""
    return instant.astimezone(ZoneInfo(tenant.time_zone)).date()


def deadline_for(tenant: Tenant, started_at: datetime, n: int) -> date:
    """The deadline of a period of ``n`` working days that started at ``started_at`` (UTC)."""
    return add_working_days(tenant, local_date(tenant, started_at), n)


def certificate_valid_until(validity_months: int | None, issued_on: date) -> date | None:
    """The last day a certificate issued on ``issued_on`` (local date) is in force under a version's
    ``certificate_validity_months``; None when it does not expire. Months count as the Civil Code
    counts them: the corresponding day of the final month, or that month's last day."""
    return cal.months_after(issued_on, validity_months) if validity_months else None


def with_shown_versions(tenant: Tenant, found: QuerySet[Service] | list[Service]) -> list[Service]:
    """The services, each with ``shown_version`` set (published, else draft) in two queries at most:
    lists show fee and time limit without a query per row."""
    rows = list(found)
    missing = [s.pk for s in rows if s.current_version_id is None]
    drafts = {}
    if missing:
        for version in ServiceVersion.objects.filter(tenant=tenant, service_id__in=missing,
                                                     published_at__isnull=True):
            drafts[version.service_id] = version
    for s in rows:
        s.shown_version = s.current_version if s.current_version_id else drafts.get(s.pk)  # type: ignore[attr-defined]
    return rows


def calendar_year(tenant: Tenant, year: int) -> list[dict[str, object]]:
    """Every day of ``year`` that is not plain Monday-Friday work: official and the tenant's own."""
    official = cal.official_days([year])
    own = {d.date: d for d in calendar_days(tenant, year)}
    days = []
    for day in sorted(set(official) | set(own)):
        if day in own:
            entry = own[day]
            days.append({"date": day, "is_working_day": entry.is_working_day, "name": entry.note, "source": "tenant"})
        else:
            working, name = official[day]
            days.append({"date": day, "is_working_day": working, "name": name, "source": "official"})
    return days


# --- a version's workflow and form, for the cases app (which imports only services/selectors) ----


def workflow_start(version: ServiceVersion) -> wf.Step:
    """Where a new case against ``version`` starts."""
    return wf.enter(version.workflow, wf.start_state(version.workflow))


def workflow_step(version: ServiceVersion, state: str) -> wf.Step:
    """The step information of being in ``state`` (time limit, department, clock paused, final)."""
    return wf.enter(version.workflow, state)


def workflow_actions(version: ServiceVersion, state: str, roles: set[str] | frozenset[str],
                     signoffs: set[str] | frozenset[str] = frozenset(),
                     department: str | None = None) -> list[wf.Action]:
    """What a caller with ``roles`` (role codes; ``applicant`` for the applicant) in ``department``
    may do now in a case at ``state`` that has the given sign-offs."""
    return wf.available_actions(version.workflow, state, roles, signoffs, department)


def workflow_apply(version: ServiceVersion, state: str, action: str, roles: set[str] | frozenset[str],
                   signoffs: set[str] | frozenset[str] = frozenset(), department: str | None = None,
                   reason: str = "") -> wf.Step:
    """The step after taking ``action`` (nothing is stored: the cases app records it). Refusals are
    domain errors: a missing reason is a 422 on ``reason``; anything else a 409 with the engine's code
    (``action_not_allowed``, ``signoff_pending``, ``unknown_action``)."""
    try:
        return wf.apply(version.workflow, state, action, roles, signoffs, department, reason)
    except wf.WorkflowError as exc:
        if exc.code == "reason_required":
            raise InvalidInput.for_field("reason", _("This action needs a reason."), code="reason_required") from None
        raise Conflict(exc.message, code=exc.code) from None


def workflow_breach(version: ServiceVersion, state: str) -> wf.Breach | None:
    """Whom to escalate to and notify when a case overstays ``state``'s time limit."""
    return wf.breach(version.workflow, state)


def submission_data(version: ServiceVersion, data: dict[str, Any]) -> dict[str, Any]:
    """The answers as they should be stored: fields hidden by their conditions dropped."""
    return formschema.visible_data(version.form_schema, data)


def has_conditions(version: ServiceVersion) -> bool:
    """Whether some field of the version's form is shown only if another's answer says so."""
    return formschema.has_conditions(version.form_schema)


def document_fields(version: ServiceVersion) -> list[str]:
    """The form's top-level fields that hold document references (where wallet documents attach)."""
    return formschema.document_fields(version.form_schema)
