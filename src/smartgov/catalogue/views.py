"""Catalogue pages: the public catalogue (no sign-in needed to browse) and its administration:
service editor, no-code form builder, workflow editor with its diagram, working-day calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartgov.accounts import permissions as perms
from smartgov.accounts import services as accounts
from smartgov.catalogue import diagram, formschema, selectors, services
from smartgov.catalogue import workflow as wf
from smartgov.catalogue.forms import CalendarDayForm, FormBuilderForm, ServiceForm, WorkflowForm
from smartgov.catalogue.models import DEFAULT_CERTIFICATE_VALIDITY_MONTHS, FeeKind, Service
from smartgov.kit import clock, money
from smartgov.kit.errors import DomainError, NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant
from smartgov.web import pages

Page = Callable[..., HttpResponse]


def _lang() -> str:
    return get_language() or "zh-hans"


def _departments(tenant: Tenant) -> list[tuple[str, str]]:
    return [(d.code, d.display_name(_lang())) for d in tenancy_selectors.departments(tenant)]


def _problems_by_path(exc: DomainError) -> list[dict[str, str]]:
    details = exc.details if isinstance(exc.details, list) else []
    return details or [{"field": "", "message": exc.message}]


# --- public catalogue --------------------------------------------------------------------------


@require_GET
def browse(request: HttpRequest, tenant: str) -> HttpResponse:
    the_tenant = pages.page_tenant(request)
    query = request.GET.get("q", "").strip()[:100]
    department = request.GET.get("department", "").strip()[:40]
    found = selectors.with_shown_versions(
        the_tenant, selectors.published_services(the_tenant, query=query or None, department=department or None)[:200])
    return render(request, "catalogue/browse.html", {
        "tenant": the_tenant, "services": found, "query": query, "department": department,
        "departments": _departments(the_tenant),
    })


@require_GET
def detail(request: HttpRequest, tenant: str, service_id: str) -> HttpResponse:
    the_tenant = pages.page_tenant(request)
    try:
        service = selectors.published_service(the_tenant, service_id)
    except NotFound:
        raise Http404("No such service") from None
    version = selectors.current_version(the_tenant, service)
    fields = [(name, version.form_ui.get("fields", {}).get(name, {})) for name in version.form_ui.get("order", [])]
    return render(request, "catalogue/detail.html", {
        "tenant": the_tenant, "service": service, "version": version, "fields": fields,
        "diagram": diagram.render(version.workflow, _lang(), service.display_name(_lang())),
        "deadline": selectors.deadline_for(the_tenant, clock.now(), version.time_limit_days),
    })


# --- administration ----------------------------------------------------------------------------


@pages.member_page(perms.CATALOGUE_MANAGE)
def manage_list(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    form = ServiceForm(request.POST or None, departments=_departments(tenant),
                       initial={"time_limit_days": 20, "delivery_mode": "online", "fee_kind": "none",
                                **ServiceForm.validity_initial(DEFAULT_CERTIFICATE_VALIDITY_MONTHS)})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            department = tenancy_selectors.department_by_code(tenant, data.pop("department"))
            for name in ("fee_yuan", "certificate_validity", "certificate_validity_unit"):
                data.pop(name)
            if form.validity_given():
                data["certificate_validity_months"] = form.validity_months()
            service = services.create_service(principal.actor, tenant, department=department,
                                              fee_fen=form.fee_fen(), **data)
            messages.success(request, _("Service created as a draft. Build its form next."))
            return redirect("catalogue-form-builder", tenant=tenant.slug, service_id=service.pk)
        except DomainError as exc:
            for problem in _problems_by_path(exc):
                form.add_error(problem["field"] if problem["field"] in form.fields else None, problem["message"])
    status = request.GET.get("status") or None
    found = selectors.with_shown_versions(tenant, selectors.services(tenant, status=status,
                                                                     query=request.GET.get("q") or None))
    return render(request, "catalogue/manage_list.html", {"tenant": tenant, "services": found, "form": form,
                                                          "status": status}, status=422 if form.errors else 200)


def _service_initial(service: Service, version: Any) -> dict[str, Any]:
    initial = {name: getattr(service, name) for name in services.DESCRIBING_FIELDS}
    initial.update(code=service.code, department=service.department.code)
    if version is not None:
        initial.update(fee_kind=version.fee_kind, time_limit_days=version.time_limit_days,
                       fee_yuan=money.to_decimal_text(version.fee_fen) if version.fee_fen else "",
                       **ServiceForm.validity_initial(version.certificate_validity_months))
    return initial


@pages.member_page(perms.CATALOGUE_MANAGE)
def manage_service(request: HttpRequest, tenant: Tenant, principal: accounts.Principal,
                   service_id: str) -> HttpResponse:
    service = selectors.service(tenant, service_id)
    draft = selectors.draft_version(tenant, service)
    shown = draft or selectors.working_version(tenant, service)
    form = ServiceForm(request.POST or None, departments=_departments(tenant), editing=True,
                       initial=_service_initial(service, shown))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department = tenancy_selectors.department_by_code(tenant, data["department"])
            services.update_service(principal.actor, tenant, service, department=department,
                                    **{name: data[name] for name in services.DESCRIBING_FIELDS})
            # Terms belong to the draft version: only a real change starts one.
            terms: dict[str, Any] = {}
            if shown is None or (data["fee_kind"], form.fee_fen(), data["time_limit_days"]) != (
                    shown.fee_kind, shown.fee_fen, shown.time_limit_days):
                terms.update(fee_kind=data["fee_kind"], fee_fen=form.fee_fen(), time_limit_days=data["time_limit_days"])
            if form.validity_given() and (shown is None or form.validity_months() != shown.certificate_validity_months):
                terms["certificate_validity_months"] = form.validity_months()
            if terms:
                services.save_draft(principal.actor, tenant, service, **terms)
            messages.success(request, _("Saved."))
            return redirect("catalogue-manage-service", tenant=tenant.slug, service_id=service.pk)
        except DomainError as exc:
            for problem in _problems_by_path(exc):
                form.add_error(problem["field"] if problem["field"] in form.fields else None, problem["message"])
    return render(request, "catalogue/manage_service.html", {
        "tenant": tenant, "service": service, "form": form, "draft": draft,
        "versions": selectors.versions(tenant, service), "FeeKind": FeeKind,
    }, status=422 if form.errors else 200)


@pages.member_page(perms.CATALOGUE_MANAGE)
@require_POST
def manage_action(request: HttpRequest, tenant: Tenant, principal: accounts.Principal, service_id: str,
                  action: str) -> HttpResponse:
    service = selectors.service(tenant, service_id)
    try:
        if action == "publish":
            version = services.publish_service(principal.actor, tenant, service)
            messages.success(request, _("Version %(n)d is published.") % {"n": version.number})
        elif action == "retire":
            services.retire_service(principal.actor, tenant, service, request.POST.get("reason", "")[:500])
            messages.success(request, _("The service is retired."))
        elif action == "delete":
            services.delete_service(principal.actor, tenant, service)
            messages.success(request, _("The draft service is deleted."))
            return redirect("catalogue-manage", tenant=tenant.slug)
        else:
            raise Http404("No such action")
    except DomainError as exc:
        for problem in _problems_by_path(exc):
            messages.error(request, f"{problem['field']}: {problem['message']}" if problem["field"]
                           else problem["message"])
    return redirect("catalogue-manage-service", tenant=tenant.slug, service_id=service.pk)


@pages.member_page(perms.CATALOGUE_MANAGE)
def form_builder(request: HttpRequest, tenant: Tenant, principal: accounts.Principal, service_id: str) -> HttpResponse:
    service = selectors.service(tenant, service_id)
    version = selectors.draft_version(tenant, service) or selectors.working_version(tenant, service)
    problems: list[dict[str, str]] = []
    fields = version.form_fields if version else []
    sections = version.form_sections if version else []
    if request.method == "POST":
        form = FormBuilderForm(request.POST)
        if form.is_valid():
            fields, sections = form.cleaned_data["fields_json"], form.cleaned_data["sections_json"]
            try:
                services.save_draft(principal.actor, tenant, service, form_fields=fields, form_sections=sections)
                messages.success(request, _("The form is saved in the draft version."))
                return redirect("catalogue-form-builder", tenant=tenant.slug, service_id=service.pk)
            except DomainError as exc:
                problems = _problems_by_path(exc)
        else:
            problems = [{"field": name, "message": str(errors[0])} for name, errors in form.errors.items()]
    return render(request, "catalogue/form_builder.html", {
        "tenant": tenant, "service": service, "version": version, "problems": problems,
        "fields": fields, "sections": sections, "field_types": formschema.FIELD_TYPES,
        "i18n": _builder_strings(),
    }, status=422 if problems else 200)


def _builder_strings() -> dict[str, str]:
    """The form builder script's words, translated here so the script needs no catalogue of its own."""
    return {
        "name": _("Field name"), "label_zh": _("Label (Chinese)"), "label_en": _("Label (English)"),
        "required": _("Required"), "section": _("Section"), "none": _("(none)"), "show_if": _("Show only if"),
        "equals": _("equals"), "always": _("always shown"), "min_length": _("Min. length"),
        "max_length": _("Max. length"), "pattern": _("Pattern (regular expression)"), "minimum": _("Minimum"),
        "maximum": _("Maximum"), "min_items": _("Min. items"), "max_items": _("Max. items"),
        "choices": _("Choices, one a line: value | 中文 | English"), "multiple": _("Several files"),
        "subfields": _("Fields of each item"), "subfield_type": _("Type of the new field"),
        "add_subfield": _("Add a field to each item"), "up": _("Move up"), "down": _("Move down"),
        "remove": _("Remove"), "add": _("Add field"), "add_section": _("Add section"), "section_id": _("Section id"),
        "fen": _("in fen (1 yuan = 100 fen)"), "add_item": _("Add another"), "upload": _("Choose a file"),
        "preview_empty": _("Add a field to see the form."),
        "region": _("Region"), "detail": _("Street and number"), "accept": _("Accepted types"),
        "text": _("Text"), "textarea": _("Long text"), "number": _("Number"), "money": _("Money"), "date": _("Date"),
        "choice": _("Choice"), "multi_choice": _("Multiple choice"), "address": _("Address"),
        "identity_number": _("Identity number"), "phone": _("Phone"), "file": _("File upload"),
        "group": _("Repeating group"),
    }


@pages.member_page(perms.CATALOGUE_MANAGE)
def workflow_editor(request: HttpRequest, tenant: Tenant, principal: accounts.Principal,
                    service_id: str) -> HttpResponse:
    service = selectors.service(tenant, service_id)
    version = selectors.draft_version(tenant, service) or selectors.working_version(tenant, service)
    definition = version.workflow if version else {}
    source = version.workflow_source if version else ""
    problems: list[dict[str, str]] = []
    form = WorkflowForm(request.POST or None, initial={"source": source or wf.dump(definition)})
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            services.save_draft(principal.actor, tenant, service, workflow=source)
            messages.success(request, _("The workflow is saved in the draft version."))
            return redirect("catalogue-workflow", tenant=tenant.slug, service_id=service.pk)
        except DomainError as exc:
            problems = _problems_by_path(exc)
    return render(request, "catalogue/workflow_editor.html", {
        "tenant": tenant, "service": service, "version": version, "form": form, "problems": problems,
        "diagram": diagram.render(definition, _lang(), service.display_name(_lang())) if definition else "",
    }, status=422 if problems or form.errors else 200)


@pages.member_page(perms.CATALOGUE_MANAGE)
def calendar_admin(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    today = selectors.local_date(tenant, clock.now())
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day: date = form.cleaned_data["date"]
        kind = form.cleaned_data["kind"]
        try:
            if kind == "official":
                services.clear_calendar_day(principal.actor, tenant, day)
            else:
                services.set_calendar_day(principal.actor, tenant, day, kind == "work", form.cleaned_data["note"])
            messages.success(request, _("Calendar updated."))
            return redirect(f"{request.path}?year={day.year}")
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "catalogue/calendar.html", {
        "tenant": tenant, "year": year, "days": selectors.calendar_year(tenant, year), "form": form,
        "years": [year - 1, year + 1],
    }, status=422 if form.errors else 200)
