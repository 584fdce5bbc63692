"""The public certificate verification page: no sign-in; the QR code on a certificate opens it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from smartgov.cases import selectors, services
from smartgov.kit.errors import NotFound


@require_GET
def verify(request: HttpRequest, tenant: str, certificate_id: str) -> HttpResponse:
    the_tenant = getattr(request, "tenant", None)
    if the_tenant is None:
        raise Http404
    try:
        cert = selectors.certificate(the_tenant, certificate_id)
    except NotFound:
        return render(request, "cases/verify.html", {"tenant": the_tenant, "result": None}, status=404)
    result = services.verify(cert)
    return render(request, "cases/verify.html", {"tenant": the_tenant, "result": result, "content": result.content})
