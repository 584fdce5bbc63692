"""Request ids: taken from ``X-Request-ID`` when a proxy sent a sane one, made up otherwise, put in
every log line and audit event of the request, and returned in the response."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from smartgov.kit import requestctx

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SANE_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for log lines written after we return
        token = requestctx.set_current(requestctx.RequestInfo(request_id, request.META.get("REMOTE_ADDR")))
        try:
            response = self.get_response(request)
        finally:
            requestctx.reset(token)
        response["X-Request-ID"] = request_id
        return response


class DomainErrorPageMiddleware:
    """A domain error raised by a page (not found, forbidden, invalid) renders an error page with
    its status, instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        from smartgov.kit.errors import DomainError

        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return render(
                request,
                "web/error.html",
                {"status": exception.status, "message": exception.message},
                status=exception.status,
            )
        return None
