"""What every tenant page checks first: the path's tenant exists, the visitor is signed in (else to
the sign-in page and back), is a member of that tenant (else 404, as for a missing tenant) and, when a
page names one, holds the permission (else 403). The view receives the tenant and the principal."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant

View = Callable[..., HttpResponse]


def page_tenant(request: HttpRequest) -> Tenant:
    """The tenant the tenant middleware resolved from the path; 404 when there is none."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise NotFound(_("No such tenant."), code="tenant_not_found")
    return tenant


def member_page(permission: str | None = None) -> Callable[[View], View]:
    """Decorate a page ``view(request, tenant, principal, ...)`` of the path's tenant; the principal
    always carries the person's active membership there."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, tenant: str, *args: Any, **kwargs: Any) -> HttpResponse:
            the_tenant = page_tenant(request)
            if not request.user.is_authenticated:
                return redirect(f"{reverse('account_login')}?next={quote(request.get_full_path())}")
            principal = accounts.principal_for_user(request.user, the_tenant)
            if principal is None or principal.membership is None:
                raise NotFound(_("No such tenant."), code="tenant_not_found")
            if permission:
                principal.require(permission)
            return view(request, the_tenant, principal, *args, **kwargs)

        return wrapped

    return decorate
