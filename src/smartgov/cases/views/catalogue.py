"""Where a citizen finds a service to apply for online (search over the published catalogue)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from smartgov.accounts.services import Principal
from smartgov.cases import ports
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


@pages.member_page()
def services(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "cases/services.html",
        {
            "tenant": tenant,
            "query": query,
            "services": ports.published_services(tenant, query)[:100],
        },
    )
