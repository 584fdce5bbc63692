"""One error shape for the whole API: ``{"code", "message", "details"}``.

Domain errors carry their own status and code; ninja's validation errors become 422 with a
``details`` list naming each field; malformed JSON and oversize bodies are 400 and 413; anything
unexpected is logged and answered 500 ``internal_error`` (and is a bug to fix).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from smartgov.kit.errors import DomainError

log = logging.getLogger("smartgov.api")


def error_response(status: int, code: str, message: str, details: Any = None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "details": details},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _field_path(loc: list[Any]) -> str:
    # ninja prefixes locations with where the value came from ("body", "query", "path") and the
    # parameter name; keep what names the field for the caller.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "header", "cookie", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters"}:
            parts = parts[1:]
    return ".".join(parts)


def validation_details(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    details = []
    code = "invalid_input"
    for error in errors:
        if error.get("type") == "json_invalid":
            code = "malformed_json"
        message = str(error.get("msg", "invalid"))
        # pydantic prefixes messages from our own validators with "Value error, ".
        message = message.removeprefix("Value error, ")
        details.append({"field": _field_path(list(error.get("loc", []))), "message": message})
    return code, details


def install(api: NinjaAPI) -> None:
    def domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        code, details = validation_details(exc.errors)
        if code == "malformed_json":
            return error_response(400, code, "The request body is not valid JSON.", details)
        fields = ", ".join(d["field"] or "body" for d in details)
        return error_response(422, code, f"Invalid input: {fields}.", details)

    def auth_failed(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(
            401, "unauthenticated", "Send a valid API key (Authorization: Bearer ...) or sign in."
        )

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or "Forbidden.")

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc) == "Cannot parse request body":
            # ninja's words for a body that is not JSON (or not UTF-8): say so with a stable code.
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        code = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
            429: "too_many_requests",
        }.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc))

    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A model field refused a value a schema let through (e.g. a malformed id handed to a
        # query): bad input, not a server fault.
        details = [{"field": "", "message": str(m)} for m in exc.messages]
        return error_response(422, "invalid_input", "Invalid input.", details)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(404, "not_found", "Not found.")

    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(413, "body_too_large", "The request body is larger than this server accepts.")

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unhandled error in API operation")
        return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (DomainError, domain),
        (ValidationError, invalid),
        (AuthenticationError, auth_failed),
        (AuthorizationError, forbidden),
        (HttpError, http_error),
        (Http404, not_found),
        (DjangoValidationError, model_invalid),
        (RequestDataTooBig, too_big),
        (Exception, unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def _refuse_nul(request: HttpRequest) -> HttpResponse | None:
    """NUL characters are never meaningful in our input, SQLite stores them and PostgreSQL refuses
    them with a server error: turn them away at the door, the same on both."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return error_response(400, "bad_request", "NUL characters are not accepted.")
    if request.content_type == "application/json":
        try:
            body = request.body
        except RequestDataTooBig:
            return error_response(413, "body_too_large", "The request body is larger than this server accepts.")
        if b"\\u0000" in body or b"\x00" in body:
            return error_response(400, "bad_request", "NUL characters are not accepted.")
    return None


class ApiErrorMiddleware:
    """Errors raised outside ninja's operations (no route matched, a refused body) answer in the
    same JSON shape on /api/ paths."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            refusal = _refuse_nul(request)
            if refusal is not None:
                return refusal
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        if response.status_code == 404:
            return error_response(404, "not_found", "No such API path.")
        if response.status_code == 405:
            return error_response(405, "method_not_allowed", "Method not allowed on this path.")
        if response.status_code == 403:
            return error_response(
                403, "csrf_failed", "CSRF check failed: send the CSRF token with session auth."
            )
        if response.status_code == 400:
            return error_response(400, "bad_request", "Bad request.")
        if response.status_code >= 500:
            return error_response(
                500, "internal_error", "Something went wrong on our side; it has been logged."
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") and isinstance(exception, RequestDataTooBig):
            return error_response(
                413, "body_too_large", "The request body is larger than this server accepts."
            )
        return None
