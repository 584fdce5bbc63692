"""The operator console: every tenant's status, health and quotas; create, suspend, archive."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.accounts import services as accounts
from smartgov.kit.errors import DomainError, Forbidden
from smartgov.tenancy import selectors, services
from smartgov.tenancy.forms import StatusForm, TenantForm


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        principal = accounts.principal_for_user(request.user, None)
        if principal is None:
            raise Forbidden(_("Only platform operators may use the console."))
        return view(request, principal, *args, **kwargs)

    return wrapped


@operator_only
def console(request: HttpRequest, principal: accounts.Principal) -> HttpResponse:
    rows = [(t, selectors.tenant_health(t)) for t in selectors.tenants()]
    return render(
        request, "tenancy/console.html", {"rows": rows, "form": TenantForm(), "status_form": StatusForm()}
    )


@operator_only
@require_POST
def create_tenant(request: HttpRequest, principal: accounts.Principal) -> HttpResponse:
    form = TenantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        spec = services.TenantSpec(
            slug=data["slug"],
            name_zh=data["name_zh"],
            name_en=data["name_en"],
            kind=data["kind"],
            reference_prefix=data["reference_prefix"],
            parent_slug=data["parent"].slug if data["parent"] else None,
            crypto_profile=data["crypto_profile"],
            quota_users=data["quota_users"],
        )
        try:
            tenant = services.create_tenant(principal.actor, spec)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Tenant %(slug)s created.") % {"slug": tenant.slug})
            return redirect("operator-console")
    rows = [(t, selectors.tenant_health(t)) for t in selectors.tenants()]
    return render(
        request,
        "tenancy/console.html",
        {"rows": rows, "form": form, "status_form": StatusForm()},
        status=422 if form.errors else 200,
    )


@operator_only
@require_POST
def change_status(request: HttpRequest, principal: accounts.Principal, slug: str) -> HttpResponse:
    tenant = selectors.tenant_by_slug(slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose suspend, reactivate or archive."))
        return redirect("operator-console")
    action = {
        "suspend": services.suspend_tenant,
        "reactivate": services.reactivate_tenant,
        "archive": services.archive_tenant,
    }[form.cleaned_data["action"]]
    try:
        action(principal.actor, tenant, form.cleaned_data["reason"])
        messages.success(
            request, _("Tenant %(slug)s is now %(status)s.") % {"slug": slug, "status": tenant.status}
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("operator-console")
