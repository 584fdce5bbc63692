"""Tenant administration pages: departments, staff and roles, API clients, the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors, services
from smartgov.accounts.forms import ApiClientForm, AuditFilterForm, DepartmentForm, MemberForm
from smartgov.accounts.services import Principal
from smartgov.audit import selectors as audit_selectors
from smartgov.kit.errors import DomainError
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy import services as tenancy_services
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


@pages.member_page(perms.DEPARTMENTS_READ)
def overview(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    return render(request, "accounts/overview.html", {"principal": principal})


@pages.member_page(perms.TENANT_MANAGE)
def departments(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenancy_services.create_department(principal.actor, tenant, **form.cleaned_data)
            messages.success(request, _("Department created."))
            return redirect("manage-departments", tenant=tenant.slug)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "accounts/departments.html",
        {"departments": tenancy_selectors.departments(tenant), "form": form},
        status=422 if form.errors else 200,
    )


@pages.member_page(perms.TENANT_MANAGE)
def people(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    lang = request.LANGUAGE_CODE
    department_choices = [(d.code, d.display_name(lang)) for d in tenancy_selectors.departments(tenant)]
    role_choices = [(r.code, r.name_en if lang == "en" else r.name_zh) for r in selectors.roles(tenant)]
    form = MemberForm(request.POST or None, departments=department_choices, roles=role_choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            department = (
                tenancy_selectors.department_by_code(tenant, data["department"])
                if data["department"]
                else None
            )
            services.add_member(
                principal.actor,
                tenant,
                email=data["email"],
                kind=data["kind"],
                full_name=data["full_name"],
                password=data["password"],
                department=department,
                role_codes=data["roles"],
            )
            messages.success(request, _("Member added. They must set up two-factor sign-in at first login."))
            return redirect("manage-people", tenant=tenant.slug)
        except DomainError as exc:
            form.add_error(None, exc.message)
    kind = request.GET.get("kind") or None
    page = Paginator(selectors.memberships(tenant, kind), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {"page": page, "form": form, "kind": kind},
        status=422 if form.errors else 200,
    )


@pages.member_page(perms.TENANT_MANAGE)
def api_clients(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    form = ApiClientForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _client, new_key = services.create_api_client(
                principal.actor,
                tenant,
                form.cleaned_data["name"],
                form.cleaned_data["permissions"],
                created_by=principal.user,
            )
            form = ApiClientForm()
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "accounts/api_clients.html",
        {"clients": selectors.api_clients(tenant), "form": form, "new_key": new_key},
    )


@pages.member_page(perms.TENANT_MANAGE)
@require_POST
def revoke_api_client(
    request: HttpRequest, tenant: Tenant, principal: Principal, client_id: str
) -> HttpResponse:
    client = selectors.api_client(tenant, client_id)
    services.revoke_api_client(principal.actor, tenant, client)
    messages.success(request, _("API client revoked."))
    return redirect("manage-api-clients", tenant=tenant.slug)


def _audit_filter(request: HttpRequest) -> tuple[AuditFilterForm, audit_selectors.AuditFilter]:
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, audit_selectors.AuditFilter(
        actor_id=data.get("actor") or "",
        object_type=data.get("object_type") or "",
        object_id=data.get("object_id") or "",
        action=data.get("action") or "",
        since=data.get("since"),
        until=data.get("until"),
    )


@pages.member_page(perms.AUDIT_READ)
def audit_trail(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    form, flt = _audit_filter(request)
    page = Paginator(audit_selectors.events(tenant, flt), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit.html", {"form": form, "page": page, "query": query.urlencode()})


@pages.member_page(perms.AUDIT_READ)
def audit_export(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    _form, flt = _audit_filter(request)
    body = audit_selectors.events_csv(tenant, flt)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{tenant.slug}.csv"'
    return response
