"""Case statistics per service and department: submissions, processing time in working days
(median and 90th percentile), on-time rate, share completed fully online, visits required, and
documents re-used from the wallet. Computed from the applications' recorded figures (working days
to decision are fixed when the case closes, against the calendar of that day)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from smartgov.cases.models import Application, Attachment
from smartgov.tenancy.models import Tenant


def percentile(values: list[int], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Row:
    key: str
    name_zh: str
    name_en: str
    submissions: int = 0
    completed: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    on_time_rate: float | None = None
    online_share: float | None = None
    visits_required: int = 0
    wallet_reuse: int = 0
    days: list[int] = field(default_factory=list, repr=False)
    on_time: int = 0
    online: int = 0

    def name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh

    def finish(self) -> Row:
        self.median_days = percentile(self.days, 50)
        self.p90_days = percentile(self.days, 90)
        self.on_time_rate = self.on_time / self.completed if self.completed else None
        self.online_share = self.online / self.completed if self.completed else None
        return self


def compute(tenant: Tenant, since: datetime | None = None, until: datetime | None = None) -> dict[str, list[Row]]:
    """``{"services": [...], "departments": [...]}``, each row with the figures above."""
    apps = Application.objects.filter(tenant=tenant).exclude(status=Application.Status.DRAFT)
    if since is not None:
        apps = apps.filter(submitted_at__gte=since)
    if until is not None:
        apps = apps.filter(submitted_at__lt=until)
    reuse = dict(
        Attachment.objects.filter(tenant=tenant, application__in=apps, from_wallet=True)
        .values_list("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    by_service: dict[str, Row] = {}
    by_department: dict[str, Row] = defaultdict(lambda: Row("", "", ""))
    rows = apps.values_list(
        "id",
        "service_code",
        "service_name_zh",
        "service_name_en",
        "department__code",
        "department__name_zh",
        "department__name_en",
        "status",
        "processing_days",
        "on_time",
        "visits_required",
    )
    closed = {Application.Status.APPROVED, Application.Status.REJECTED}
    for pk, code, name_zh, name_en, dcode, dname_zh, dname_en, status, days, on_time, visits in rows:
        targets = [by_service.setdefault(code, Row(code, name_zh, name_en))]
        dkey = dcode or "-"
        if dkey not in by_department:
            by_department[dkey] = Row(dkey, dname_zh or "-", dname_en or "-")
        targets.append(by_department[dkey])
        for row in targets:
            row.submissions += 1
            row.visits_required += visits
            row.wallet_reuse += reuse.get(pk, 0)
            if status in closed and days is not None:
                row.completed += 1
                row.days.append(days)
                row.on_time += bool(on_time)
                row.online += visits == 0
    return {
        "services": sorted((r.finish() for r in by_service.values()), key=lambda r: r.key),
        "departments": sorted((r.finish() for r in by_department.values()), key=lambda r: r.key),
    }


def totals(tenant: Tenant) -> dict[str, int]:
    qs = Application.objects.filter(tenant=tenant)
    return qs.aggregate(
        submitted=Count("id", filter=~Q(status=Application.Status.DRAFT)),
        open=Count("id", filter=Q(status__in=Application.OPEN)),
        approved=Count("id", filter=Q(status=Application.Status.APPROVED)),
        rejected=Count("id", filter=Q(status=Application.Status.REJECTED)),
    )
