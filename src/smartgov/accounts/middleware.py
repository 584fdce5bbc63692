"""MFA is mandatory for staff, administrators and operators: until they have set up TOTP, every
page but the MFA set-up, logout and static files sends them to set it up."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from smartgov.accounts.models import Membership

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/readyz", "/metrics", "/api/")


def needs_mfa(user: object) -> bool:
    from smartgov.accounts.models import User

    if not isinstance(user, User):
        return False
    privileged = user.is_operator or user.is_staff or Membership.objects.filter(
        user=user, kind__in=[Membership.Kind.ADMIN, Membership.Kind.STAFF], is_active=True
    ).exists()
    return privileged and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not request.session.get("mfa_ok")
        ):
            if needs_mfa(user):
                return redirect("mfa_activate_totp")
            request.session["mfa_ok"] = True
        return self.get_response(request)
