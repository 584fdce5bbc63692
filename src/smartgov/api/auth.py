"""How API callers prove who they are. Every operation names one of these (tests/architecture
checks it):

- ``tenant_auth``: an API key of the path's tenant, or a signed-in member of it (session, with
  CSRF on unsafe methods). A credential for another tenant gets 404, exactly like a missing tenant.
- ``platform_auth``: a platform API key or a signed-in operator.
- ``PUBLIC``: no credential (say so explicitly, e.g. the public verification endpoints).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from smartgov.accounts import services as accounts
from smartgov.accounts.middleware import needs_mfa
from smartgov.kit.errors import Forbidden, NotFound
from smartgov.tenancy.models import Tenant

PUBLIC = None  # explicit marker: ``auth=PUBLIC`` documents that an operation is open on purpose


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-API-Key")


def _session_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if needs_mfa(user):
        raise Forbidden(
            "Set up two-factor sign-in (TOTP) before using the API with your session.", code="mfa_required"
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
        raise Forbidden(
            "CSRF check failed: send the X-CSRFToken header with session auth.", code="csrf_failed"
        )
    return user


class _Auth(AuthBase):
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self) -> None:
        self.openapi_bearerFormat = "sgk_<id>_<secret>"
        super().__init__()


class TenantAuth(_Auth):
    def __call__(self, request: HttpRequest) -> accounts.Principal | None:
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise NotFound("No such tenant.", code="tenant_not_found")
        raw = _bearer(request)
        if raw:
            client = accounts.authenticate_api_key(raw)
            if client is None:
                return None
            if client.tenant_id != tenant.pk:
                raise NotFound("No such tenant.", code="tenant_not_found")
            return accounts.principal_for_client(client)
        user = _session_user(request)
        if user is None:
            return None
        principal = accounts.principal_for_user(user, tenant)
        if principal is None:
            raise NotFound("No such tenant.", code="tenant_not_found")
        return principal


class PlatformAuth(_Auth):
    def __call__(self, request: HttpRequest) -> accounts.Principal | None:
        raw = _bearer(request)
        if raw:
            client = accounts.authenticate_api_key(raw)
            if client is None:
                return None
            if client.tenant_id is not None:
                raise Forbidden("This key belongs to a tenant; platform operations need a platform key.")
            return accounts.principal_for_client(client)
        user = _session_user(request)
        if user is None:
            return None
        principal = accounts.principal_for_user(user, None)
        if principal is None:
            raise Forbidden("Only platform operators may do this.")
        return principal


tenant_auth = TenantAuth()
platform_auth = PlatformAuth()


def principal(request: HttpRequest) -> accounts.Principal:
    """The caller ninja's auth resolved for this request."""
    return request.auth  # type: ignore[attr-defined]


def tenant_of(request: HttpRequest) -> Tenant:
    """The tenant named in the path (resolved by the tenant middleware)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise NotFound("No such tenant.", code="tenant_not_found")
    return tenant
