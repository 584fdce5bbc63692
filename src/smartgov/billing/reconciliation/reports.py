"""Finance reports (reads): daily collections by biller and channel, receivables ageing, and the
CSV exports of those and of a statement's reconciliation."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate

from smartgov.billing.models import Bill, Payment, Refund
from smartgov.kit import money
from smartgov.tenancy.models import Tenant

from . import selectors
from .models import Statement

MAX_DAYS = 366
# Ageing buckets by days past the due date: (label, lowest day, highest day or None).
BUCKETS: Sequence[tuple[str, int, int | None]] = (
    ("not_due", -10**6, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("180+", 181, None),
)


def _zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.time_zone or "Asia/Shanghai")


@dataclass(frozen=True)
class CollectionRow:
    day: date
    biller: str
    channel: str
    payments: int
    collected_fen: int
    refunded_fen: int

    @property
    def net_fen(self) -> int:
        return self.collected_fen - self.refunded_fen


def collections(tenant: Tenant, date_from: date, date_to: date) -> list[CollectionRow]:
    """Per local day, biller and channel: succeeded payments (by when they were paid) and succeeded
    refunds (by when they completed), over ``date_from``..``date_to`` inclusive."""
    zone = _zone(tenant)
    start = datetime.combine(date_from, time(0), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone)
    paid = (
        Payment.objects.filter(tenant=tenant, state=Payment.State.SUCCEEDED, paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=zone), biller=F("bill__biller__code"))
        .values("day", "biller", "channel")
        .annotate(n=Count("pk"), total=Sum("amount_fen"))
    )
    refunded = (
        Refund.objects.filter(tenant=tenant, state=Refund.State.SUCCEEDED, finished_at__gte=start, finished_at__lt=end)
        .annotate(
            day=TruncDate("finished_at", tzinfo=zone), biller=F("payment__bill__biller__code"), ch=F("payment__channel")
        )
        .values("day", "biller", "ch")
        .annotate(total=Sum("amount_fen"))
    )
    rows: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in paid:
        entry = rows[(r["day"], r["biller"], r["channel"])]
        entry[0] += r["n"]
        entry[1] += r["total"] or 0
    for back in refunded:
        rows[(back["day"], back["biller"], back["ch"])][2] += back["total"] or 0
    return [CollectionRow(k[0], k[1], k[2], *v) for k, v in sorted(rows.items())]


@dataclass(frozen=True)
class AgeingRow:
    biller: str
    buckets: dict[str, int]  # bucket label -> outstanding fen
    bills: int

    @property
    def total_fen(self) -> int:
        return sum(self.buckets.values())


def bucket_of(days_past_due: int) -> str:
    for label, low, high in BUCKETS:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return label
    raise AssertionError(days_past_due)  # the buckets cover every integer


def ageing(tenant: Tenant, as_of: date) -> list[AgeingRow]:
    """Outstanding receivables per biller, by how long past due they are on ``as_of``."""
    outstanding = F("lines_fen") - F("credited_fen") - F("paid_fen") + F("refunded_fen")
    end_of_day = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=_zone(tenant))
    qs = (
        Bill.objects.filter(tenant=tenant, issued_at__lt=end_of_day)
        .exclude(state__in=[Bill.State.CANCELLED, Bill.State.PAID])
        .annotate(owed=outstanding, biller_code=F("biller__code"))
        .filter(owed__gt=0)
        .values("biller_code", "due_date")
        .annotate(total=Sum("owed"), n=Count("pk"))
    )
    per: dict[str, dict[str, int]] = defaultdict(lambda: {label: 0 for label, _lo, _hi in BUCKETS})
    counts: dict[str, int] = defaultdict(int)
    for r in qs:
        per[r["biller_code"]][bucket_of((as_of - r["due_date"]).days)] += r["total"]
        counts[r["biller_code"]] += r["n"]
    return [AgeingRow(code, per[code], counts[code]) for code in sorted(per)]


# -- CSV ----------------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: spreadsheet programs then read UTF-8


def yuan(fen: int | None) -> str:
    return "" if fen is None else money.to_decimal_text(fen)


def collections_csv(rows: list[CollectionRow]) -> bytes:
    return _csv(
        ["day", "biller", "channel", "payments", "collected", "refunded", "net"],
        (
            [r.day.isoformat(), r.biller, r.channel, r.payments, yuan(r.collected_fen), yuan(r.refunded_fen),
             yuan(r.net_fen)]
            for r in rows
        ),
    )


def ageing_csv(rows: list[AgeingRow]) -> bytes:
    labels = [label for label, _lo, _hi in BUCKETS]
    return _csv(
        ["biller", "bills", *labels, "total"],
        ([r.biller, r.bills, *(yuan(r.buckets[label]) for label in labels), yuan(r.total_fen)] for r in rows),
    )


def statement_csv(tenant: Tenant, statement: Statement) -> bytes:
    """Every line of the statement with its match, then what is missing from the statement."""
    by_line: dict[Any, list[Any]] = defaultdict(list)
    unplaced: list[Any] = []
    for d in selectors.differences(tenant, statement):
        (by_line[d.line_id] if d.line_id else unplaced).append(d)
    out: list[list[Any]] = []
    for ln in selectors.lines(tenant, statement).select_related("payment"):
        ref = ln.out_refund_no if ln.kind == "refund" else ln.out_trade_no
        diffs = by_line.get(ln.pk) or [None]
        for d in diffs:
            out.append([
                ln.position, ln.kind, ref, ln.provider_reference, yuan(ln.amount_fen),
                yuan(d.ours_fen if d else ln.amount_fen) if ln.matched or d else "", yuan(ln.fee_fen),
                "matched" if ln.matched else (d.kind if d else ""), d.state if d else "",
                d.resolution if d else "", d.resolved_by if d else "", *_settlement(ln.payment),
            ])
    for d in unplaced:
        out.append(["", "payment" if d.payment_id else "refund", d.reference, "", "", yuan(d.ours_fen), "",
                    d.kind, d.state, d.resolution, d.resolved_by, "", "", "", ""])
    return _csv(
        ["line", "kind", "reference", "provider_reference", "statement_amount", "our_amount", "fee", "result",
         "difference_state", "resolution", "resolved_by", "payment_settled_on", "payment_settled_amount",
         "payment_settlement_fee", "payment_settlement_statement"],
        out,
    )


def _settlement(payment: Payment | None) -> list[str]:
    """What the payment a line names records of its settlement (the first statement listing it)."""
    if payment is None or payment.settled_on is None:
        return ["", "", "", ""]
    return [payment.settled_on.isoformat(), yuan(payment.settlement_amount_fen), yuan(payment.settlement_fee_fen),
            str(payment.settlement_statement_id or "")]
