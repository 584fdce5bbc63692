"""Template context shared by every page: the tenant in scope and the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    return {"tenant": tenant, "language": getattr(request, "LANGUAGE_CODE", "zh-hans")}
