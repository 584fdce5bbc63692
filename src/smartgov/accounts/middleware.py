"""MFA is mandatory for staff, administrators and operators: until they have set up TOTP, every
page but the MFA set-up, logout and static files sends them to set it up, and the API refuses
their session. (allauth asks anyone with TOTP for a code at login, so "has TOTP" means "signed in
with a second factor".)"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/readyz", "/metrics", "/api/")


def needs_mfa(user: object) -> bool:
    """A privileged person who has not set up TOTP yet. No query for everyone else."""
    from smartgov.accounts.models import User

    if not isinstance(user, User):
        return False
    privileged = user.is_operator or user.is_staff or user.requires_mfa
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
            and needs_mfa(user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
