"""Platform-wide pages and the operational endpoints (/healthz, /readyz, /metrics)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from smartgov.accounts import services as accounts
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant
from smartgov.web import metrics


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        if getattr(user, "is_operator", False):
            return redirect("operator-console")
        home_tenant = getattr(user, "home_tenant", None)
        if home_tenant is not None and home_tenant.is_active:
            return redirect("portal-home", tenant=home_tenant.slug)
    tenants = tenancy_selectors.tenants(Tenant.Status.ACTIVE)
    return render(request, "web/home.html", {"tenants": tenants})


def portal_tenant(request: HttpRequest) -> Tenant:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404("No such tenant")
    return tenant


@require_GET
def portal_home(request: HttpRequest, tenant: str) -> HttpResponse:
    the_tenant = portal_tenant(request)
    request.session["portal_tenant"] = the_tenant.slug  # sign-ups from here join this tenant
    can_manage = False
    if request.user.is_authenticated:
        caller = accounts.principal_for_user(request.user, the_tenant)
        can_manage = caller is not None and caller.membership is not None and caller.membership.is_staff_kind
    return render(request, "web/portal_home.html", {"tenant": the_tenant, "can_manage": can_manage})


@require_GET
def portal_signup(request: HttpRequest, tenant: str) -> HttpResponse:
    request.session["portal_tenant"] = portal_tenant(request).slug
    return redirect("account_signup")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database answers and no migration is pending."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any database failure means "not ready", never a 500
        return JsonResponse({"status": "unavailable", "database": str(exc.__class__.__name__)}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "pending_migrations": len(pending)}, status=503)
    return JsonResponse({"status": "ready"})


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            return JsonResponse({"code": "unauthenticated", "message": "Metrics token required.", "details": None},
                                status=401)
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
