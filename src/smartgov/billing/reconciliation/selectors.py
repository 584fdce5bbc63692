"""Reads of reconciliation, tenant first: statements, differences, and our side of the matching
(payments and refunds of a channel). Billing's tables are read here directly: this app lives inside
billing, and billing's selectors offer no look-up by channel reference or by day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from smartgov.billing.models import Payment, Refund
from smartgov.kit import clock
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant

from .matching import Ours
from .models import Difference, Statement, StatementLine

PROVIDER_ZONE = clock.DEFAULT_ZONE  # providers close their books on Beijing time


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=PROVIDER_ZONE)
    return start, start + timedelta(days=1)


def statements(tenant: Tenant, *, channel: str | None = None, state: str | None = None) -> QuerySet[Statement]:
    qs = Statement.objects.filter(tenant=tenant).order_by("-day", "channel")
    if channel:
        qs = qs.filter(channel=channel)
    if state:
        qs = qs.filter(state=state)
    return qs


def statement(tenant: Tenant, statement_id: Any) -> Statement:
    pk = _uuid(statement_id)
    found = Statement.objects.filter(tenant=tenant, pk=pk).first() if pk else None
    if found is None:
        raise NotFound("No such statement.", code="statement_not_found")
    return found


def statement_for_day(tenant: Tenant, channel: str, day: date) -> Statement | None:
    return Statement.objects.filter(tenant=tenant, channel=channel, day=day).first()


def lines(tenant: Tenant, statement: Statement) -> QuerySet[StatementLine]:
    return StatementLine.objects.filter(tenant=tenant, statement=statement).order_by("position")


def differences(tenant: Tenant, statement: Statement, *, state: str | None = None) -> QuerySet[Difference]:
    qs = Difference.objects.filter(tenant=tenant, statement=statement).select_related("line").order_by(
        "state", "kind", "reference"
    )
    return qs.filter(state=state) if state else qs


def difference(tenant: Tenant, difference_id: Any) -> Difference:
    pk = _uuid(difference_id)
    found = Difference.objects.filter(tenant=tenant, pk=pk).select_related("statement").first() if pk else None
    if found is None:
        raise NotFound("No such difference.", code="difference_not_found")
    return found


def open_count(tenant: Tenant, statement: Statement) -> int:
    return Difference.objects.filter(tenant=tenant, statement=statement, state=Difference.State.OPEN).count()


# -- our side ------------------------------------------------------------------------------------


def _payment(p: Payment) -> Ours:
    return Ours("payment", p.out_trade_no, p.pk, p.state, p.amount_fen, p.currency)


def _refund(r: Refund) -> Ours:
    return Ours("refund", r.out_refund_no, r.pk, r.state, r.amount_fen, r.payment.currency)


def ours_by_reference(tenant: Tenant, channel: str, payment_refs: set[str], refund_refs: set[str]) -> dict:
    found: dict[tuple[str, str], Ours] = {}
    for p in Payment.objects.filter(tenant=tenant, channel=channel, out_trade_no__in=payment_refs):
        found[("payment", p.out_trade_no)] = _payment(p)
    refunds = Refund.objects.filter(tenant=tenant, payment__channel=channel, out_refund_no__in=refund_refs)
    for r in refunds.select_related("payment"):
        found[("refund", r.out_refund_no)] = _refund(r)
    return found


def expected_on(tenant: Tenant, channel: str, day: date) -> list[Ours]:
    """Our succeeded payments paid, and refunds completed, during the provider's ``day``."""
    start, end = day_bounds(day)
    paid = Payment.objects.filter(
        tenant=tenant, channel=channel, state=Payment.State.SUCCEEDED, paid_at__gte=start, paid_at__lt=end
    )
    refunded = Refund.objects.filter(
        tenant=tenant,
        payment__channel=channel,
        state=Refund.State.SUCCEEDED,
        finished_at__gte=start,
        finished_at__lt=end,
    ).select_related("payment")
    return [_payment(p) for p in paid] + [_refund(r) for r in refunded]


def settled_elsewhere(
    tenant: Tenant, channel: str, statement: Statement | None, expected: list[Ours]
) -> set[tuple[str, str]]:
    """Which of ``expected`` another statement of the channel already listed (a payment at 23:59:59
    may settle on the next day's file): those are not missing from this one."""
    trades = {o.reference for o in expected if o.kind == "payment"}
    refunds = {o.reference for o in expected if o.kind == "refund"}
    qs = StatementLine.objects.filter(tenant=tenant, statement__channel=channel).filter(
        Q(kind="payment", out_trade_no__in=trades) | Q(kind="refund", out_refund_no__in=refunds)
    )
    if statement is not None:
        qs = qs.exclude(statement=statement)
    out: set[tuple[str, str]] = set()
    for kind, trade, refund in qs.values_list("kind", "out_trade_no", "out_refund_no"):
        out.add((kind, refund if kind == "refund" else trade))
    return out
