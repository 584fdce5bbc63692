"""What a locked-out person sees (django-axes): a clear page, or JSON for the API, never a 500."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    message = _("Too many failed logins. Try again later or contact your administrator.")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message, "details": None}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """Who a login attempt was for. allauth authenticates with ``email=`` or ``phone=`` rather than
    ``username=``, so axes must be told, or every attempt would count against no one."""
    credentials = credentials or {}
    raw = credentials.get("email") or credentials.get("phone") or credentials.get("username")
    if not raw and request is not None and request.method == "POST":
        raw = request.POST.get("login")
    return str(raw).strip().lower() if raw else None
