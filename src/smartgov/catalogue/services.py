"""Every write of the catalogue: services, their draft and published versions, calendar days.

Each function is one audited transaction. ``validate_submission`` (no write) is here because the
cases app calls it as the gate in front of its own writes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.catalogue import formschema, selectors
from smartgov.catalogue import workflow as wf
from smartgov.catalogue.models import (
    DEFAULT_CERTIFICATE_VALIDITY_MONTHS,
    CalendarDay,
    DeliveryMode,
    FeeKind,
    Service,
    ServiceVersion,
)
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy.models import Department, Tenant

_CODE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
MAX_TIME_LIMIT_DAYS = 365
MAX_CERTIFICATE_VALIDITY_MONTHS = 600  # fifty years; anything meant to last longer has no expiry
_KEEP: Any = object()  # save_draft: "not given" for settings whose None has a meaning (no expiry)
DESCRIBING_FIELDS = ("name_zh", "name_en", "description_zh", "description_en", "eligibility_zh", "eligibility_en",
                     "required_documents", "delivery_mode")


def _invalid(problems: list[dict[str, str]]) -> InvalidInput:
    first = problems[0]
    return InvalidInput(f"{first['field']}: {first['message']}" if first["field"] else first["message"],
                        details=problems)


def _check_describing(values: dict[str, Any]) -> None:
    problems = []
    for name in ("name_zh", "name_en"):
        if name in values and not str(values[name]).strip():
            problems.append({"field": name, "message": _("is required")})
        if name in values and len(str(values[name])) > 200:
            problems.append({"field": name, "message": _("must be at most 200 characters")})
    if "delivery_mode" in values and values["delivery_mode"] not in DeliveryMode.values:
        problems.append({"field": "delivery_mode",
                         "message": _("must be one of %(v)s") % {"v": ", ".join(DeliveryMode.values)}})
    docs = values.get("required_documents", [])
    if not isinstance(docs, list):
        problems.append({"field": "required_documents", "message": _("must be a list")})
    else:
        for i, doc in enumerate(docs):
            if not isinstance(doc, dict) or not str(doc.get("name_zh", "")).strip() or \
                    not str(doc.get("name_en", "")).strip():
                problems.append({"field": f"required_documents[{i}]", "message": _("needs name_zh and name_en")})
            elif set(doc) - {"name_zh", "name_en", "optional", "note"}:
                problems.append({"field": f"required_documents[{i}]",
                                 "message": _("knows only name_zh, name_en, optional and note")})
    if problems:
        raise _invalid(problems)


def _check_terms(fee_kind: str, fee_fen: int, time_limit_days: int) -> None:
    if fee_kind not in FeeKind.values:
        raise InvalidInput.for_field("fee_kind", _("must be one of %(v)s") % {"v": ", ".join(FeeKind.values)})
    if isinstance(fee_fen, bool) or not isinstance(fee_fen, int) or fee_fen < 0:
        raise InvalidInput.for_field("fee_fen", _("must be a whole number of fen, 0 or more"))
    if fee_kind == FeeKind.FIXED and fee_fen == 0:
        raise InvalidInput.for_field("fee_fen", _("a fixed fee needs an amount"))
    if fee_kind != FeeKind.FIXED and fee_fen:
        raise InvalidInput.for_field("fee_fen", _("only a fixed fee has an amount"))
    if isinstance(time_limit_days, bool) or not isinstance(time_limit_days, int) or \
            not 1 <= time_limit_days <= MAX_TIME_LIMIT_DAYS:
        raise InvalidInput.for_field(
            "time_limit_days", _("must be a whole number of working days from 1 to %(n)d") % {"n": MAX_TIME_LIMIT_DAYS}
        )


def _check_validity(months: int | None) -> None:
    """A certificate validity in whole months, or None for certificates that do not expire."""
    if months is None:
        return
    if isinstance(months, bool) or not isinstance(months, int) or \
            not 1 <= months <= MAX_CERTIFICATE_VALIDITY_MONTHS:
        raise InvalidInput.for_field(
            "certificate_validity_months",
            _("must be a whole number of months from 1 to %(n)d, or empty for no expiry")
            % {"n": MAX_CERTIFICATE_VALIDITY_MONTHS},
        )


def parse_workflow(source: str | dict[str, Any]) -> tuple[dict[str, Any], list[wf.Problem]]:
    """A workflow from YAML/JSON text or a mapping, and its problems (empty when sound)."""
    if isinstance(source, dict):
        return source, wf.validate(source)
    definition, problems = wf.parse(source)
    if definition is None:
        return {}, problems
    return definition, wf.validate(definition)


def tenant_problems(tenant: Tenant, definition: dict[str, Any]) -> list[wf.Problem]:
    """What a sound workflow still gets wrong for this tenant: departments and roles it does not have
    (cases could never be routed to them or taken by anyone)."""
    from smartgov.accounts import selectors as accounts_selectors
    from smartgov.tenancy import selectors as tenancy_selectors

    departments = set(tenancy_selectors.departments(tenant).values_list("code", flat=True))
    roles = set(accounts_selectors.roles(tenant).values_list("code", flat=True)) | {wf.APPLICANT}
    problems = []
    for i, state in enumerate(definition.get("states", [])):
        if state.get("department") and state["department"] not in departments:
            problems.append(wf.Problem(f"states[{i}].department", _("no department %(code)s in this tenant")
                                       % {"code": state["department"]}))
        for j, code in enumerate(state.get("signoff", {}).get("departments", [])):
            if code not in departments:
                problems.append(wf.Problem(f"states[{i}].signoff.departments[{j}]",
                                           _("no department %(code)s in this tenant") % {"code": code}))
        for j, code in enumerate(state.get("signoff", {}).get("roles", [])):
            if code not in roles:
                problems.append(wf.Problem(f"states[{i}].signoff.roles[{j}]",
                                           _("no role %(code)s in this tenant") % {"code": code}))
        escalate = state.get("on_breach", {}).get("escalate_to")
        if escalate and escalate not in roles:
            problems.append(wf.Problem(f"states[{i}].on_breach.escalate_to",
                                       _("no role %(code)s in this tenant") % {"code": escalate}))
    for i, t in enumerate(definition.get("transitions", [])):
        for j, code in enumerate(t.get("roles", [])):
            if code not in roles:
                problems.append(wf.Problem(f"transitions[{i}].roles[{j}]",
                                           _("no role %(code)s in this tenant") % {"code": code}))
    return problems


def _now_fields() -> dict[str, Any]:
    now = clock.now()
    return {"created_at": now, "updated_at": now}


@transaction.atomic
def create_service(
    actor: Actor,
    tenant: Tenant,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    department: Department,
    description_zh: str = "",
    description_en: str = "",
    eligibility_zh: str = "",
    eligibility_en: str = "",
    required_documents: list[dict[str, Any]] | None = None,
    delivery_mode: str = DeliveryMode.ONLINE,
    fee_kind: str = FeeKind.NONE,
    fee_fen: int = 0,
    time_limit_days: int = 20,
    certificate_validity_months: int | None = DEFAULT_CERTIFICATE_VALIDITY_MONTHS,
) -> Service:
    """A draft service with its first draft version (no fields yet; the everyday workflow).
    ``certificate_validity_months`` None: its certificates do not expire."""
    if not _CODE.match(code or ""):
        raise InvalidInput.for_field("code", _("code must be 2-40 lowercase letters, digits or '-'"))
    values = {"name_zh": name_zh, "name_en": name_en, "description_zh": description_zh,
              "description_en": description_en, "eligibility_zh": eligibility_zh, "eligibility_en": eligibility_en,
              "required_documents": required_documents or [], "delivery_mode": delivery_mode}
    _check_describing(values)
    _check_terms(fee_kind, fee_fen, time_limit_days)
    _check_validity(certificate_validity_months)
    if department.tenant_id != tenant.pk:
        raise InvalidInput.for_field("department", _("No such department."))
    if Service.objects.filter(tenant=tenant, code=code).exists():
        raise Conflict(_("Service %(code)s exists already.") % {"code": code}, code="service_exists")
    service = Service.objects.create(tenant=tenant, code=code, department=department, **values, **_now_fields())
    definition = wf.template(department.code, time_limit_days)
    ServiceVersion.objects.create(
        tenant=tenant, service=service, number=1, workflow=definition, workflow_source=wf.dump(definition),
        form_schema=formschema.build_schema([])[0], form_ui=formschema.build_schema([])[1],
        fee_kind=fee_kind, fee_fen=fee_fen, time_limit_days=time_limit_days,
        certificate_validity_months=certificate_validity_months, **_now_fields(),
    )
    record(actor=actor, tenant=tenant, action="catalogue.service_created", obj=service,
           changes={"code": code, "name_zh": name_zh, "department": department.code})
    return service


@transaction.atomic
def update_service(actor: Actor, tenant: Tenant, service: Service, *, department: Department | None = None,
                   **changes: Any) -> Service:
    """Change how a service describes itself (names, texts, documents, delivery). Retired: refused."""
    unknown = set(changes) - set(DESCRIBING_FIELDS)
    if unknown:
        raise InvalidInput.for_field(sorted(unknown)[0], _("cannot be changed here"))
    if service.status == Service.Status.RETIRED:
        raise Conflict(_("A retired service cannot change."), code="service_retired")
    _check_describing(changes)
    before = {}
    for name, value in changes.items():
        if getattr(service, name) != value:
            before[name] = [getattr(service, name), value]
            setattr(service, name, value)
    if department is not None and department.pk != service.department_id:
        if department.tenant_id != tenant.pk:
            raise InvalidInput.for_field("department", _("No such department."))
        before["department"] = [service.department.code, department.code]
        service.department = department
    if before:
        service.updated_at = clock.now()
        service.save()
        record(actor=actor, tenant=tenant, action="catalogue.service_updated", obj=service, changes=before)
    return service


@transaction.atomic
def delete_service(actor: Actor, tenant: Tenant, service: Service) -> None:
    """Only a service never published may go: nothing can refer to it yet."""
    if service.status != Service.Status.DRAFT or service.current_version_id is not None:
        raise Conflict(_("Only a draft that was never published can be deleted; retire it instead."),
                       code="service_not_draft")
    record(actor=actor, tenant=tenant, action="catalogue.service_deleted", obj=service,
           changes={"code": service.code})
    ServiceVersion.objects.filter(tenant=tenant, service=service).delete()
    service.delete()


def _draft_for_edit(tenant: Tenant, service: Service) -> ServiceVersion:
    """The draft version, made as a copy of the published one when there is none."""
    draft = ServiceVersion.objects.select_for_update().filter(
        tenant=tenant, service=service, published_at__isnull=True).first()
    if draft is not None:
        return draft
    base = ServiceVersion.objects.filter(tenant=tenant, service=service).order_by("-number").first()
    if base is None:  # cannot happen through create_service; keep the invariant anyway
        raise Conflict(_("This service has no version to start from."), code="service_without_version")
    return ServiceVersion.objects.create(
        tenant=tenant, service=service, number=base.number + 1, form_fields=base.form_fields,
        form_sections=base.form_sections, form_schema=base.form_schema, form_ui=base.form_ui,
        workflow=base.workflow, workflow_source=base.workflow_source, fee_kind=base.fee_kind, fee_fen=base.fee_fen,
        fee_rule=base.fee_rule, time_limit_days=base.time_limit_days,
        certificate_validity_months=base.certificate_validity_months, **_now_fields(),
    )


@transaction.atomic
def save_draft(
    actor: Actor,
    tenant: Tenant,
    service: Service,
    *,
    form_fields: list[dict[str, Any]] | None = None,
    form_sections: list[dict[str, Any]] | None = None,
    workflow: str | dict[str, Any] | None = None,
    fee_kind: str | None = None,
    fee_fen: int | None = None,
    fee_rule: str | None = None,
    time_limit_days: int | None = None,
    certificate_validity_months: int | None = _KEEP,
) -> ServiceVersion:
    """Change the draft version (made from the published one if needed). Whatever is given is checked
    whole: a bad form or workflow is a 422 listing each problem by path (``fields[2].name``,
    ``workflow.transitions[3].to``). ``certificate_validity_months=None`` means certificates issued
    under the version do not expire; leaving it out keeps what the draft has."""
    if service.status == Service.Status.RETIRED:
        raise Conflict(_("A retired service cannot change."), code="service_retired")
    draft = _draft_for_edit(tenant, service)
    changed: dict[str, Any] = {}
    if form_fields is not None or form_sections is not None:
        fields = form_fields if form_fields is not None else draft.form_fields
        sections = form_sections if form_sections is not None else draft.form_sections
        try:
            schema, ui = formschema.build_schema(fields, sections)
        except formschema.FormDefinitionError as exc:
            raise _invalid([{"field": p.path, "message": p.message} for p in exc.problems]) from None
        draft.form_fields, draft.form_sections, draft.form_schema, draft.form_ui = fields, sections, schema, ui
        changed["form_fields"] = len(fields)
    if workflow is not None:
        definition, problems = parse_workflow(workflow)
        problems = problems or tenant_problems(tenant, definition)
        if problems:
            raise _invalid([{"field": f"workflow.{p.path}" if p.path else "workflow", "message": p.message}
                            for p in problems])
        draft.workflow = definition
        draft.workflow_source = workflow if isinstance(workflow, str) else wf.dump(workflow)
        changed["workflow_states"] = len(definition["states"])
    if fee_kind is not None or fee_fen is not None or time_limit_days is not None:
        kind = fee_kind if fee_kind is not None else draft.fee_kind
        amount = fee_fen if fee_fen is not None else (draft.fee_fen if kind == FeeKind.FIXED else 0)
        limit = time_limit_days if time_limit_days is not None else draft.time_limit_days
        _check_terms(kind, amount, limit)
        changed["terms"] = [[draft.fee_kind, draft.fee_fen, draft.time_limit_days], [kind, amount, limit]]
        draft.fee_kind, draft.fee_fen, draft.time_limit_days = kind, amount, limit
    if fee_rule is not None:
        draft.fee_rule = fee_rule[:100]
        changed["fee_rule"] = draft.fee_rule
    if certificate_validity_months is not _KEEP:
        _check_validity(certificate_validity_months)
        changed["certificate_validity_months"] = [draft.certificate_validity_months, certificate_validity_months]
        draft.certificate_validity_months = certificate_validity_months
    draft.updated_at = clock.now()
    draft.save()
    record(actor=actor, tenant=tenant, action="catalogue.draft_saved", obj=draft,
           changes={"service": service.code, "version": draft.number, **changed})
    return draft


@transaction.atomic
def publish_service(actor: Actor, tenant: Tenant, service: Service) -> ServiceVersion:
    """Publish the draft version: new applications use it from now on; applications already made
    keep the version they reference. The draft must have a form field and a sound workflow."""
    service = Service.objects.select_for_update().get(tenant=tenant, pk=service.pk)
    if service.status == Service.Status.RETIRED:
        raise Conflict(_("A retired service cannot be published."), code="service_retired")
    draft = ServiceVersion.objects.filter(tenant=tenant, service=service, published_at__isnull=True).first()
    if draft is None:
        raise Conflict(_("There is no draft to publish."), code="nothing_to_publish")
    if not draft.form_fields:
        raise InvalidInput.for_field("form_fields", _("the form needs at least one field"))
    problems = wf.validate(draft.workflow)
    if problems:
        raise _invalid([{"field": f"workflow.{p.path}", "message": p.message} for p in problems])
    now = clock.now()
    draft.published_at, draft.published_by, draft.updated_at = now, actor.label or actor.id, now
    draft.save()
    previous = service.current_version_id
    service.current_version = draft
    service.status = Service.Status.PUBLISHED
    service.published_at = service.published_at or now
    service.updated_at = now
    service.save()
    record(actor=actor, tenant=tenant, action="catalogue.service_published", obj=service,
           changes={"version": draft.number, "version_id": str(draft.pk),
                    "previous_version_id": str(previous) if previous else None})
    return draft


@transaction.atomic
def retire_service(actor: Actor, tenant: Tenant, service: Service, reason: str = "") -> Service:
    """No new applications; those in flight continue under their version."""
    if service.status == Service.Status.RETIRED:
        raise Conflict(_("The service is retired already."), code="service_retired")
    if service.status == Service.Status.DRAFT:
        raise Conflict(_("A draft was never published; delete it instead."), code="service_not_published")
    before = service.status
    service.status = Service.Status.RETIRED
    service.retired_at = service.updated_at = clock.now()
    service.save()
    record(actor=actor, tenant=tenant, action="catalogue.service_retired", obj=service,
           changes={"status": [before, service.status], "reason": reason})
    return service


# --- calendar ----------------------------------------------------------------------------------


@transaction.atomic
def set_calendar_day(actor: Actor, tenant: Tenant, day: date, is_working_day: bool, note: str = "") -> CalendarDay:
    """Make ``day`` a working day or a day off for this tenant (overrides the official schedule)."""
    if not 2000 <= day.year <= 2100:
        raise InvalidInput.for_field("date", _("must be between 2000 and 2100"))
    entry, created = CalendarDay.objects.update_or_create(
        tenant=tenant, date=day, defaults={"is_working_day": is_working_day, "note": note[:200],
                                           "created_at": clock.now()})
    selectors.forget_calendar(tenant)
    record(actor=actor, tenant=tenant, action="catalogue.calendar_day_set", obj=entry,
           changes={"date": day.isoformat(), "is_working_day": is_working_day, "note": note, "new": created})
    return entry


@transaction.atomic
def clear_calendar_day(actor: Actor, tenant: Tenant, day: date) -> bool:
    """Return ``day`` to the official schedule; False when the tenant had no entry for it."""
    entry = CalendarDay.objects.filter(tenant=tenant, date=day).first()
    if entry is None:
        return False
    record(actor=actor, tenant=tenant, action="catalogue.calendar_day_cleared", obj=entry,
           changes={"date": day.isoformat(), "was_working_day": entry.is_working_day})
    entry.delete()
    selectors.forget_calendar(tenant)
    return True


@transaction.atomic
def edit_calendar(actor: Actor, tenant: Tenant, changes: list[tuple[date, bool | None, str]]) -> None:
    """Several days at once, all or none: (date, True/False to set, None to clear, note)."""
    for day, is_working_day, note in changes:
        if is_working_day is None:
            clear_calendar_day(actor, tenant, day)
        else:
            set_calendar_day(actor, tenant, day, is_working_day, note)


# --- submissions (no write: the cases app's gate) ----------------------------------------------


def validate_submission(version: ServiceVersion, data: Any) -> list[formschema.FieldError]:
    """Field errors of an application's ``data`` against the version's form (hidden fields ignored)."""
    return formschema.validate_submission(version.form_schema, data)


def submission_errors_as_invalid(errors: list[formschema.FieldError]) -> InvalidInput:
    """The 422 the API answers for a refused submission: one detail per field."""
    return _invalid([{"field": e.path, "message": e.message} for e in errors])
