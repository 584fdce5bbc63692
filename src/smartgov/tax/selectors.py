"""Reads of the tax app, always for one tenant. Another tenant's object is a NotFound (404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from smartgov.accounts import selectors as accounts_selectors
from smartgov.billing import selectors as billing_selectors
from smartgov.kit.errors import NotFound
from smartgov.tax.models import (
    LIVE,
    AnnualReconciliation,
    DeductionDeclaration,
    Taxpayer,
    VatReturn,
    WithholdingLine,
    WithholdingReturn,
)
from smartgov.tenancy.models import Tenant

# --- taxpayers ----------------------------------------------------------------------------------


def taxpayers(tenant: Tenant) -> QuerySet[Taxpayer]:
    return Taxpayer.objects.filter(tenant=tenant).select_related("membership").order_by("uscc")


def taxpayer(tenant: Tenant, taxpayer_id: UUID | str) -> Taxpayer:
    try:
        return taxpayers(tenant).get(pk=taxpayer_id)
    except (Taxpayer.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such taxpayer.")) from None


def taxpayer_by_uscc(tenant: Tenant, uscc: str) -> Taxpayer:
    found = taxpayers(tenant).filter(uscc=uscc.strip().upper()).first()
    if found is None:
        raise NotFound(_("No taxpayer is registered with this unified social credit code."))
    return found


def taxpayers_of(tenant: Tenant, membership: Any) -> QuerySet[Taxpayer]:
    return taxpayers(tenant).filter(membership=membership)


def members_by_id_index(tenant: Tenant, indexes: list[str]) -> dict[str, Any]:
    """Members whose profile carries one of these identity-number blind indexes."""
    if not indexes:
        return {}
    found = accounts_selectors.memberships(tenant).filter(profile__id_number_index__in=indexes)
    return {m.profile.id_number_index: m for m in found}


def id_index_of(tenant: Tenant, membership: Any) -> str:
    profile = getattr(membership, "profile", None)
    index = getattr(profile, "id_number_index", "") if profile is not None else ""
    if not index:
        raise NotFound(_("Add your resident identity number to your profile first."), code="no_identity_number")
    return index


# --- withholding returns ------------------------------------------------------------------------


def withholding_returns(
    tenant: Tenant, *, agent: Taxpayer | None = None, period: str | None = None, live_only: bool = False
) -> QuerySet[WithholdingReturn]:
    qs = WithholdingReturn.objects.filter(tenant=tenant).select_related("agent")
    if agent is not None:
        qs = qs.filter(agent=agent)
    if period:
        qs = qs.filter(period=period)
    if live_only:
        qs = qs.filter(status__in=LIVE)
    return qs.order_by("-period", "-filed_at")


def withholding_return(tenant: Tenant, return_id: UUID | str) -> WithholdingReturn:
    try:
        return withholding_returns(tenant).get(pk=return_id)
    except (WithholdingReturn.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such withholding return.")) from None


def lines(tenant: Tenant, filed: WithholdingReturn) -> QuerySet[WithholdingLine]:
    return WithholdingLine.objects.filter(tenant=tenant, withholding_return=filed).order_by("row")


# --- workers ------------------------------------------------------------------------------------


def worker_lines(tenant: Tenant, membership: Any, year: int | None = None) -> QuerySet[WithholdingLine]:
    """What employers filed for this worker on their live returns, by employer and month."""
    qs = WithholdingLine.objects.filter(
        tenant=tenant,
        id_number_index=id_index_of(tenant, membership),
        withholding_return__status__in=LIVE,
    ).select_related("withholding_return__agent")
    if year is not None:
        qs = qs.filter(withholding_return__year=year)
    return qs.order_by("-withholding_return__period", "withholding_return__agent__uscc")


def declarations(tenant: Tenant, membership: Any, year: int | None = None) -> QuerySet[DeductionDeclaration]:
    qs = DeductionDeclaration.objects.filter(tenant=tenant, worker=membership, withdrawn_at__isnull=True)
    return qs.filter(year=year) if year is not None else qs


def declaration(tenant: Tenant, membership: Any, declaration_id: UUID | str) -> DeductionDeclaration:
    try:
        return declarations(tenant, membership).get(pk=declaration_id)
    except (DeductionDeclaration.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such declaration.")) from None


@dataclass
class EmployerFigures:
    uscc: str
    name: str
    months: int = 0
    wages: int = 0
    labour: int = 0
    authors: int = 0
    royalties: int = 0
    special: int = 0
    special_additional: int = 0
    other: int = 0
    withheld: int = 0


@dataclass
class Prefill:
    """The annual reconciliation as the employers' returns and the worker's declarations fill it:
    the records only; the rules core (through ``computation.annual_reconciliation``) does the sums."""

    year: int
    employers: list[EmployerFigures] = field(default_factory=list)
    # The worker's live declarations on the platform for the year: kind, details as declared, and
    # the yearly amount computed when declared (shown; the reconciliation recomputes from details).
    declarations: list[dict[str, Any]] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(e, name) for e in self.employers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "employers": [e.__dict__ for e in self.employers],
            "declarations": self.declarations,
        }


def reconciliation_prefill(tenant: Tenant, membership: Any, year: int) -> Prefill:
    rows = (
        worker_lines(tenant, membership, year)
        .values("withholding_return__agent__uscc", "withholding_return__agent__name")
        .annotate(
            months=Count("id"),
            wages=Sum("wages"),
            labour=Sum("labour"),
            authors=Sum("authors"),
            royalties=Sum("royalties"),
            special=Sum("social_insurance"),
            special_additional=Sum("special_additional"),
            other=Sum("other_deductions"),
            withheld=Sum("withholding"),
        )
        .order_by("withholding_return__agent__uscc")
    )
    prefill = Prefill(year)
    for r in rows:
        figures: dict[str, Any] = dict(r)
        uscc, name = figures.pop("withholding_return__agent__uscc"), figures.pop("withholding_return__agent__name")
        prefill.employers.append(EmployerFigures(uscc=uscc, name=name, **figures))
    prefill.declarations = declared_deductions(tenant, membership, year)
    return prefill


def declared_deductions(tenant: Tenant, membership: Any, year: int) -> list[dict[str, Any]]:
    """The worker's live declarations for the year as records: kind, details, the amount declared."""
    return [
        {"kind": d.kind, "details": d.details, "annual_amount": d.annual_amount}
        for d in declarations(tenant, membership, year).order_by("declared_at", "id")
    ]


def reconciliations(tenant: Tenant, membership: Any | None = None) -> QuerySet[AnnualReconciliation]:
    qs = AnnualReconciliation.objects.filter(tenant=tenant)
    if membership is not None:
        qs = qs.filter(worker=membership)
    return qs.order_by("-year", "-filed_at")


def reconciliation(
    tenant: Tenant, reconciliation_id: UUID | str, membership: Any | None = None
) -> AnnualReconciliation:
    try:
        return reconciliations(tenant, membership).get(pk=reconciliation_id)
    except (AnnualReconciliation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such reconciliation.")) from None


def reconciliation_by_reference(tenant: Tenant, reference: str) -> AnnualReconciliation:
    found = reconciliations(tenant).filter(reference=reference).first()
    if found is None:
        raise NotFound(_("No such reconciliation."))
    return found


def filed_reconciliation(tenant: Tenant, membership: Any, year: int) -> AnnualReconciliation | None:
    return reconciliations(tenant, membership).filter(year=year, status="filed").first()


# --- VAT ----------------------------------------------------------------------------------------


def vat_returns(tenant: Tenant, taxpayer: Taxpayer | None = None) -> QuerySet[VatReturn]:
    qs = VatReturn.objects.filter(tenant=tenant).select_related("taxpayer")
    if taxpayer is not None:
        qs = qs.filter(taxpayer=taxpayer)
    return qs.order_by("-period", "-filed_at")


def vat_return(tenant: Tenant, return_id: UUID | str) -> VatReturn:
    try:
        return vat_returns(tenant).get(pk=return_id)
    except (VatReturn.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such VAT return.")) from None


def last_vat_return(tenant: Tenant, taxpayer: Taxpayer) -> VatReturn | None:
    return vat_returns(tenant, taxpayer).filter(status__in=LIVE).first()


# --- the bureau ---------------------------------------------------------------------------------


def unfiled_agents(tenant: Tenant, period: str) -> QuerySet[Taxpayer]:
    """Registered withholding agents with no live return for ``period``: one anti-join query."""
    filed = WithholdingReturn.objects.filter(tenant=tenant, period=period, status__in=LIVE).values("agent_id")
    return taxpayers(tenant).filter(is_withholding_agent=True).exclude(pk__in=filed)


def compliance(tenant: Tenant, period: str) -> dict[str, int]:
    agents = Taxpayer.objects.filter(tenant=tenant, is_withholding_agent=True)
    registered = agents.count()
    filed = WithholdingReturn.objects.filter(tenant=tenant, period=period, status__in=LIVE).count()
    return {"registered": registered, "filed": filed, "unfiled": registered - filed}


def withholding_by_month(tenant: Tenant, year: int) -> list[dict[str, Any]]:
    """Withholding declared (live returns) per month of ``year``."""
    rows = (
        WithholdingReturn.objects.filter(tenant=tenant, year=year, status__in=LIVE)
        .values("period")
        .annotate(returns=Count("id"), withholding=Sum("total_withholding"), employees=Sum("employee_count"))
        .order_by("period")
    )
    return [dict(r) for r in rows]


def refunds(tenant: Tenant, year: int | None = None) -> QuerySet[AnnualReconciliation]:
    qs = reconciliations(tenant).filter(status="filed", result=AnnualReconciliation.Result.REFUND)
    return qs.filter(year=year) if year is not None else qs


def tax_bill_ids(tenant: Tenant) -> list[Any]:
    """Every bill the tax app issued (returns, amendments, reconciliations, VAT)."""
    ids: list[Any] = []
    for model in (WithholdingReturn, VatReturn, AnnualReconciliation):
        ids.extend(model.objects.filter(tenant=tenant).exclude(bill_id=None).values_list("bill_id", flat=True))
    return ids


def refunds_total(tenant: Tenant) -> int:
    total = refunds(tenant).aggregate(t=Sum("balance"))["t"] or 0
    return -total


UNPAID_STATES = ("issued", "partly_paid", "overdue")


def arrears(tenant: Tenant) -> list[Any]:
    """Unpaid tax bills (late charges accrue on them through billing's rule), most overdue first."""
    ids = tax_bill_ids(tenant)
    if not ids:
        return []
    return list(billing_selectors.bills(tenant).filter(pk__in=ids, state__in=UNPAID_STATES).order_by("due_date"))
