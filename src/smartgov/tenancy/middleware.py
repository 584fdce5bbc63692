"""Finds the tenant a request is for and runs the request as that tenant.

Tenant-scoped URLs carry the slug: ``/api/v1/t/{tenant}/...`` for the API and ``/{tenant}/...``
for portal pages. An unknown or archived tenant is a 404 (the same as one you may not see), a
suspended one a 403 ``tenant_suspended``. On PostgreSQL the whole request runs in one transaction
with ``app.tenant_id`` set, so row-level security sees the same tenant the code does; a POST to a
view named with ``own_transactions`` (it calls a payment provider between short transactions of its
own) runs in ``tenant_session`` instead, with no transaction open.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, get_urlconf, resolve

from smartgov.tenancy.context import acting_for, opens_own_transactions, tenant_context, tenant_session
from smartgov.tenancy.models import Tenant
from smartgov.tenancy.selectors import tenant_for_request

API_TENANT_PATH = re.compile(r"^/api/v1/t/(?P<slug>[^/]+)/")
PORTAL_TENANT_PATH = re.compile(r"^/(?P<slug>[a-z][a-z0-9-]{1,39})/")


def _refusal(request: HttpRequest, is_api: bool, status: int, code: str, message: str) -> HttpResponse:
    if is_api:
        return JsonResponse({"code": code, "message": message, "details": None}, status=status)
    return render(request, "web/error.html", {"status": status, "message": message}, status=status)


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        api_match = API_TENANT_PATH.match(request.path)
        match = api_match or PORTAL_TENANT_PATH.match(request.path)
        tenant = tenant_for_request(match.group("slug")) if match else None
        if api_match and (tenant is None or tenant.status == Tenant.Status.ARCHIVED):
            return _refusal(request, True, 404, "tenant_not_found", "No such tenant.")
        if tenant is not None and tenant.status == Tenant.Status.ARCHIVED:
            tenant = None  # archived portals are gone: let URL routing answer 404
        if tenant is not None and tenant.status == Tenant.Status.SUSPENDED:
            return _refusal(request, bool(api_match), 403, "tenant_suspended", "This tenant is suspended.")
        request.tenant = tenant  # type: ignore[attr-defined]
        # On SQLite there is no row-level security to inform; services open their own transactions,
        # and a request-wide write lock would serialise every reader.
        scope = tenant_context if connection.vendor == "postgresql" else acting_for
        if scope is tenant_context and request.method == "POST" and _opens_own_transactions(request):
            scope = tenant_session
        with scope(tenant):
            return self.get_response(request)


def _opens_own_transactions(request: HttpRequest) -> bool:
    return _names_own_transactions(get_urlconf() or settings.ROOT_URLCONF, request.path_info)


@functools.lru_cache(maxsize=4096)
def _names_own_transactions(urlconf: str, path: str) -> bool:
    # Resolving a path costs a POST about 0.3 ms, and the handler resolves it again after the
    # middleware; the answer for a path under a URLconf does not change while the process runs.
    try:
        return opens_own_transactions(resolve(path, urlconf).url_name)
    except Resolver404:
        return False
