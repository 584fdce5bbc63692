"""What the case pages share: who is asking, and turning domain errors into messages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.accounts.services import Principal
from smartgov.tenancy.models import Tenant


def me(principal: Principal) -> accounts.Membership:
    """The member behind a page's principal (``member_page`` lets only members through)."""
    if principal.membership is None:
        raise Http404(_("No such tenant."))
    return principal.membership


def language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def label(value: Any, lang: str, fallback: str = "") -> str:
    """A ``{"zh": ..., "en": ...}`` label in the page's language."""
    if isinstance(value, dict):
        if lang.startswith("en"):
            return str(value.get("en") or value.get("zh") or fallback)
        return str(value.get("zh") or value.get("en") or fallback)
    return str(value or fallback)


def principal_of(request: HttpRequest, tenant: Tenant) -> Principal | None:
    if not request.user.is_authenticated:
        return None
    return accounts.principal_for_user(request.user, tenant)
