"""Template helpers of the tax pages: yuan from fen, and the text of a trace in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from smartgov.kit.money import format_amount, to_decimal_text

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    try:
        return format_amount(int(fen))
    except (TypeError, ValueError):
        return ""


@register.filter
def in_language(text: Any) -> str:
    """A trace's ``{"zh-Hans": ..., "en": ...}`` text in the current language (English as fallback)."""
    if not isinstance(text, dict):
        return "" if text is None else str(text)
    lang = "en" if (get_language() or "").startswith("en") else "zh-Hans"
    return str(text.get(lang) or text.get("en") or text.get("zh-Hans") or "")


@register.filter
def figure_value(figure: dict[str, Any]) -> str:
    value = figure.get("value")
    if figure.get("unit") == "fen" and isinstance(value, int):
        return format_amount(value)
    return "" if value is None else str(value)


@register.filter
def decimal_text(fen: Any) -> str:
    """``123456`` → ``1234.56``: what an amount input field holds."""
    try:
        return to_decimal_text(int(fen))
    except (TypeError, ValueError):
        return ""


@register.filter
def absolute(value: Any) -> Any:
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def expand(record: Any) -> Any:
    """The full trace of a stored (compact) explanation, recomputed through the rules core."""
    from smartgov.tax.computation import expand as expand_record

    return expand_record(record) if isinstance(record, dict) else record
