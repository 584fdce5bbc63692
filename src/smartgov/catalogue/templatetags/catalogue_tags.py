"""Template helpers of the catalogue pages: fen as yuan, bilingual labels, localised fields, validity."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from smartgov.kit import money

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def yuan(fen: Any) -> str:
    """Integer fen as ``¥1,234.50`` (integer arithmetic only; money never touches a float)."""
    if fen is None or fen == "":
        return ""
    return money.format_amount(int(fen))


@register.filter
def label(value: Any) -> str:
    """A {"zh": ..., "en": ...} label in the page's language, falling back to the other one."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    first, second = ("en", "zh") if _english() else ("zh", "en")
    return str(value.get(first) or value.get(second) or "")


@register.filter
def local(obj: Any, name: str) -> str:
    """``obj.<name>_en`` or ``obj.<name>_zh`` by the page's language (``service|local:"name"``)."""
    if isinstance(obj, dict):
        return str(obj.get(f"{name}_en" if _english() else f"{name}_zh") or obj.get(f"{name}_zh") or "")
    return str(getattr(obj, f"{name}_en" if _english() else f"{name}_zh", "") or "")


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key, key) if isinstance(mapping, dict) else key


@register.filter
def validity(months: Any) -> str:
    """A certificate validity in months as people say it: "5 years", "18 months", "no expiry"."""
    if months is None or months == "":
        return _("No expiry")
    months = int(months)
    if months % 12 == 0:
        return ngettext("%(n)d year", "%(n)d years", months // 12) % {"n": months // 12}
    return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
