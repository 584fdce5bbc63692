"""``{{ amount|fen }}`` → ``¥12.34``; ``{{ code|paycode }}`` → ``1234 5678 …`` (as printed on notices)."""

from django import template

from smartgov.billing import paycode as codes
from smartgov.kit import money

register = template.Library()


@register.filter
def fen(value: int, currency: str = "CNY") -> str:
    return money.format_amount(int(value or 0), currency or "CNY")


@register.filter
def paycode(value: str) -> str:
    return codes.grouped(value or "")
