"""The tax bureau's writes: the late-charge rule of its bills and the monthly assessment run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from smartgov.audit.services import Actor, record
from smartgov.tax import collection, selectors
from smartgov.tax.models import LIVE, WithholdingReturn
from smartgov.tax.services.common import LATE_CHARGE_PPM, month_period, tax_bureau
from smartgov.tenancy.models import Tenant


@transaction.atomic
def configure_late_charges(actor: Actor, tenant: Tenant, rate_ppm: int = LATE_CHARGE_PPM) -> Any:
    """Set the tax bureau's late-charge rule in billing: 0.05 % a day of overdue tax by default
    (Tax Collection Administration Law art. 32), from the day after the due date."""
    return collection.configure_late_charges(actor, tenant, tax_bureau(actor, tenant), rate_ppm)


@dataclass
class Assessment:
    period: str
    registered: int
    filed: int
    unfiled: list[dict[str, Any]] = field(default_factory=list)

    @property
    def estimated_total(self) -> int:
        return sum(u["estimated"] for u in self.unfiled)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "registered": self.registered,
            "filed": self.filed,
            "unfiled_count": len(self.unfiled),
            "estimated_total": self.estimated_total,
            "unfiled": self.unfiled,
        }


@transaction.atomic
def assess(actor: Actor, tenant: Tenant, period: str) -> Assessment:
    """Compliance check of every registered withholding agent for ``period``, and an assessment of
    each one that has not filed: the withholding its latest earlier live return declared, as the
    provisional figure a tax officer follows up. Two queries, whatever the number of agents."""
    month_period(period)
    counts = selectors.compliance(tenant, period)
    last = WithholdingReturn.objects.filter(
        tenant=tenant, agent=OuterRef("pk"), status__in=LIVE, period__lt=period
    ).order_by("-period")
    rows = (
        selectors.unfiled_agents(tenant, period)
        .annotate(
            last_period=Subquery(last.values("period")[:1]), estimated=Subquery(last.values("total_withholding")[:1])
        )
        .values("uscc", "name", "last_period", "estimated")
        .order_by("uscc")
    )
    unfiled = [
        {"uscc": r["uscc"], "name": r["name"], "last_period": r["last_period"] or "", "estimated": r["estimated"] or 0}
        for r in rows.iterator(chunk_size=5000)
    ]
    result = Assessment(period, counts["registered"], counts["registered"] - len(unfiled), unfiled)
    record(
        actor=actor,
        tenant=tenant,
        action="tax.assessed",
        object_type="tax.period",
        object_id=period,
        changes={k: v for k, v in result.as_dict().items() if k != "unfiled"},
    )
    return result
