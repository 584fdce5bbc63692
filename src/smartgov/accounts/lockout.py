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
