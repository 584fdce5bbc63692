"""What the case pages share: who is asking, and turning domain errors into messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.accounts.services import Principal
from smartgov.tenancy.models import Tenant


def member_page(permission: str | None = None) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A signed-in member of the path's tenant (holding ``permission`` when named); strangers to
    the tenant get a 404, anonymous visitors the sign-in page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, tenant: str, *args: Any, **kwargs: Any) -> HttpResponse:
            the_tenant: Tenant | None = getattr(request, "tenant", None)
            if the_tenant is None:
                raise Http404(_("No such tenant."))
            if not request.user.is_authenticated:
                return redirect(f"/accounts/login/?next={request.path}")
            principal = accounts.principal_for_user(request.user, the_tenant)
            if principal is None or principal.membership is None:
                raise Http404(_("No such tenant."))
            if permission:
                principal.require(permission)
            return view(request, the_tenant, principal, *args, **kwargs)

        return wrapped

    return decorate


def me(principal: Principal) -> accounts.Membership:
    """The member behind a page's principal (``member_page`` lets only members through)."""
    if principal.membership is None:
        raise Http404(_("No such tenant."))
    return principal.membership


def language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def label(value: Any, lang: str, fallback: str = "") -> str:
    """A ``{"zh": ..., "en": ...}`` label in the page's language."""
    if isinstance(value, dict):
        if lang.startswith("en"):
            return str(value.get("en") or value.get("zh") or fallback)
        return str(value.get("zh") or value.get("en") or fallback)
    return str(value or fallback)


def principal_of(request: HttpRequest, tenant: Tenant) -> Principal | None:
    if not request.user.is_authenticated:
        return None
    return accounts.principal_for_user(request.user, tenant)
