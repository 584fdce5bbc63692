"""API of tax filing: agents' withholding returns, workers' deductions and reconciliation, small
businesses' VAT returns, and the bureau's compliance, arrears, collection and assessment.

Agents' systems authenticate with an API key holding ``tax.file`` (a business member may also file
for its own registration through a session); the bureau needs ``tax.administer``; workers use their
portal session. Filings that produce bills take an ``Idempotency-Key``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts.services import Principal
from smartgov.api import idempotency
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.kit import clock
from smartgov.kit.errors import Forbidden, InvalidInput, NotFound
from smartgov.tax import computation, selectors, services
from smartgov.tax.filing_schemas import (
    AnnualReconciliationOut,
    ArrearOut,
    AssessmentIn,
    AssessmentOut,
    CollectionOut,
    ComplianceOut,
    DeductionIn,
    DeductionOut,
    ReconciliationPreviewOut,
    TaxpayerIn,
    TaxpayerOut,
    VatReturnIn,
    VatReturnOut,
    WithholdingLineOut,
    WithholdingReturnDetailOut,
    WithholdingReturnIn,
    WithholdingReturnOut,
    WorkerLineOut,
)
from smartgov.tax.models import Taxpayer, VatReturn, WithholdingReturn
from smartgov.tax.services.common import last_month, month_period
from smartgov.tenancy.models import Tenant

router = Router(tags=["tax filing"], auth=tenant_auth)
MAX_UPLOAD = 20 * 1024 * 1024


def _acting_for(caller: Principal, here: Tenant, uscc: str) -> Taxpayer:
    """The taxpayer a caller files for: any with ``tax.file``, else only the caller's own business."""
    taxpayer = selectors.taxpayer_by_uscc(here, uscc)
    if caller.has(perms.TAX_FILE):
        return taxpayer
    if caller.membership is not None and caller.membership.pk == taxpayer.membership_id:
        return taxpayer
    raise Forbidden("Filing needs tax.file, or a session of the business itself.", code="permission_denied")


def _worker(caller: Principal) -> Any:
    """The signed-in person; a system's API key has no tax affairs of its own (404, like a missing one)."""
    if caller.membership is None:
        raise NotFound("No worker signs in with this credential; workers use their portal session.", code="no_worker")
    return caller.membership


def _bureau(caller: Principal) -> None:
    caller.require(perms.TAX_ADMINISTER)


def withholding_out(r: WithholdingReturn) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "agent_uscc": r.agent.uscc,
        "period": r.period,
        "status": r.status,
        "supersedes_reference": r.supersedes.reference if r.supersedes is not None else None,
        "employee_count": r.employee_count,
        "total_income": r.total_income,
        "total_withholding": r.total_withholding,
        "billed_amount": r.billed_amount,
        "overpaid": r.overpaid,
        "bill_id": r.bill_id,
        "bill_reference": r.bill_reference,
        "filed_at": r.filed_at,
    }


def vat_out(r: VatReturn) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reference": r.reference,
        "taxpayer_uscc": r.taxpayer.uscc,
        "period": r.period,
        "status": r.status,
        "sales": r.sales,
        "special_invoice_sales": r.special_invoice_sales,
        "vat": r.vat,
        "urban_construction": r.urban_construction,
        "education": r.education,
        "local_education": r.local_education,
        "total": r.total,
        "billed_amount": r.billed_amount,
        "bill_id": r.bill_id,
        "bill_reference": r.bill_reference,
        "explanation": r.explanation,
        "filed_at": r.filed_at,
    }


def _expanded(line: Any) -> dict[str, Any]:
    """A line's stored explanations, each recomputed into its full trace by the rules core."""
    return {kind: computation.expand(record) for kind, record in (line.explanation or {}).items()}


def _fields(line: Any) -> dict[str, Any]:
    return {name: getattr(line, name) for name in WithholdingLineOut.model_fields if name != "explanation"}


# --- taxpayers ----------------------------------------------------------------------------------


@router.post("/t/{tenant}/tax/taxpayers", response={201: TaxpayerOut}, summary="Register a taxpayer")
def register_taxpayer(request: HttpRequest, tenant: str, payload: TaxpayerIn) -> Status[Taxpayer]:
    """The bureau registers a business member (its USCC on its profile) as withholding agent and/or
    small-scale VAT taxpayer. Needs tax.administer."""
    caller = principal(request)
    _bureau(caller)
    here = tenant_of(request)
    membership = accounts_selectors.membership(here, payload.membership_id)
    return Status(201, services.register_taxpayer(
        caller.actor,
        here,
        membership,
        withholding_agent=payload.withholding_agent,
        small_scale_vat=payload.small_scale_vat,
        vat_periodicity=payload.vat_periodicity,
        location=payload.location,
    ))


@router.get("/t/{tenant}/tax/taxpayers", response=list[TaxpayerOut], summary="List registered taxpayers")
def list_taxpayers(request: HttpRequest, tenant: str) -> list[Taxpayer]:
    """Every registered taxpayer (tax.administer or tax.file); a business session sees its own."""
    caller = principal(request)
    here = tenant_of(request)
    if caller.has(perms.TAX_ADMINISTER) or caller.has(perms.TAX_FILE):
        return list(selectors.taxpayers(here)[:1000])
    return list(selectors.taxpayers_of(here, _worker(caller)))


# --- withholding returns ------------------------------------------------------------------------


@router.post(
    "/t/{tenant}/tax/withholding-returns",
    response={201: WithholdingReturnOut},
    summary="File a monthly withholding return from a payroll file",
)
def file_withholding_return(request: HttpRequest, tenant: str, payload: WithholdingReturnIn) -> Status[Any]:
    """Checks every row of the payroll (CSV or XLSX, base64); any bad row answers 422
    ``payroll_rejected`` listing every (row, column, reason), nothing filed. Otherwise computes each
    employee's withholding with the cumulative method, files the return and bills its total. A period
    already filed is 409 ``period_already_filed`` unless ``amend``. Requires an Idempotency-Key."""
    caller = principal(request)
    here = tenant_of(request)
    agent = _acting_for(caller, here, payload.uscc)
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.for_field("content_base64", "content_base64 is not valid base64.") from None
    if len(data) > MAX_UPLOAD:
        raise InvalidInput.for_field("content_base64", "The payroll file is larger than 20 MB.")

    def run() -> tuple[int, Any]:
        filed = services.file_withholding_return(
            caller.actor,
            here,
            agent,
            period=payload.period,
            data=data,
            filename=payload.filename,
            amend=payload.amend,
        )
        return 201, WithholdingReturnOut.model_validate(withholding_out(filed)).model_dump(mode="json")

    return Status(*idempotency.run(request, "tax.file_withholding_return", payload, run))


@router.get(
    "/t/{tenant}/tax/withholding-returns", response=list[WithholdingReturnOut], summary="List withholding returns"
)
def list_withholding_returns(
    request: HttpRequest, tenant: str, uscc: str | None = None, period: str | None = None
) -> list[dict[str, Any]]:
    """Returns by agent and period, newest first (the bureau: all; an agent: its own)."""
    caller = principal(request)
    here = tenant_of(request)
    if uscc:
        agent = selectors.taxpayer_by_uscc(here, uscc)
        if not caller.has(perms.TAX_ADMINISTER):
            _acting_for(caller, here, uscc)
        qs = selectors.withholding_returns(here, agent=agent, period=period)
    else:
        if not caller.has(perms.TAX_FILE):
            _bureau(caller)
        qs = selectors.withholding_returns(here, period=period)
    return [withholding_out(r) for r in qs.select_related("supersedes")[:500]]


@router.get(
    "/t/{tenant}/tax/withholding-returns/{return_id}",
    response=WithholdingReturnDetailOut,
    summary="Get a withholding return with its lines",
)
def get_withholding_return(
    request: HttpRequest, tenant: str, return_id: str, offset: int = 0, limit: int = 200
) -> dict[str, Any]:
    """The return, and its lines from ``offset`` (at most ``limit``, ≤ 1000), each with the identity
    number masked and the full explanation trace of its figures."""
    caller = principal(request)
    here = tenant_of(request)
    filed = selectors.withholding_return(here, return_id)
    if not caller.has(perms.TAX_ADMINISTER):
        _acting_for(caller, here, filed.agent.uscc)
    lines = selectors.lines(here, filed)[max(0, offset) : max(0, offset) + min(max(1, limit), 1000)]
    return {**withholding_out(filed), "lines": [{**_fields(line), "explanation": _expanded(line)} for line in lines]}


# --- workers ------------------------------------------------------------------------------------


@router.get(
    "/t/{tenant}/tax/me/withholding", response=list[WorkerLineOut], summary="My withholding by employer and month"
)
def my_withholding(request: HttpRequest, tenant: str, year: int | None = None) -> list[dict[str, Any]]:
    """What every employer withheld for the signed-in worker, month by month, with explanations."""
    here = tenant_of(request)
    caller = principal(request)
    if caller.membership is None:
        return []  # a system's key has no withholding of its own
    worker = caller.membership
    return [
        {
            "employer_uscc": line.withholding_return.agent.uscc,
            "employer_name": line.withholding_return.agent.name,
            "period": line.withholding_return.period,
            "wages": line.wages,
            "labour": line.labour,
            "authors": line.authors,
            "royalties": line.royalties,
            "social_insurance": line.social_insurance,
            "special_additional": line.special_additional,
            "withholding": line.withholding,
            "explanation": _expanded(line),
        }
        for line in selectors.worker_lines(here, worker, year)[:1000]
    ]


@router.get("/t/{tenant}/tax/me/deductions", response=list[DeductionOut], summary="My declared deductions")
def my_deductions(request: HttpRequest, tenant: str, year: int | None = None) -> list[Any]:
    """The signed-in worker's special additional deductions (not withdrawn)."""
    here = tenant_of(request)
    caller = principal(request)
    if caller.membership is None:
        return []
    return list(selectors.declarations(here, caller.membership, year))


@router.post("/t/{tenant}/tax/me/deductions", response={201: DeductionOut}, summary="Declare a deduction")
def declare_deduction(request: HttpRequest, tenant: str, payload: DeductionIn) -> Status[Any]:
    """Declare a special additional deduction; beyond its legal cap is 422 ``deduction_beyond_cap``."""
    caller = principal(request)
    here = tenant_of(request)
    return Status(201, services.declare_deduction(
        caller.actor, here, _worker(caller), year=payload.year, kind=payload.kind, details=payload.details
    ))


def _preview(here: Tenant, worker: Any, year: int) -> dict[str, Any]:
    prefill, result = services.compute_reconciliation(here, worker, year)
    opens, closes = services.window(year)
    today = clock.local_now().date()
    filed = selectors.filed_reconciliation(here, worker, year)
    return {
        "year": year,
        "window_opens": opens.isoformat(),
        "window_closes": closes.isoformat(),
        "is_open": opens <= today <= closes,
        "employers": [e.__dict__ for e in prefill.employers],
        "income": result.income,
        "deductions": result.deductions,
        "taxable": result.taxable,
        "annual_tax": result.tax,
        "prepaid": result.prepaid,
        "balance": result.balance,
        "result": result.result,
        "explanation": result.explanation,
        "filed": filed,
    }


def _year(year: int) -> int:
    if not 2019 <= year <= clock.local_now().year:
        raise InvalidInput.for_field("year", "The year must be from 2019 to this year.")
    return year


@router.get(
    "/t/{tenant}/tax/me/reconciliation/{year}",
    response=ReconciliationPreviewOut,
    summary="My annual reconciliation, pre-filled",
)
def my_reconciliation(request: HttpRequest, tenant: str, year: int) -> dict[str, Any]:
    """The figures pre-filled from every employer's returns and the worker's declarations, the
    result (refund, due, exempt or nil) and its explanation; and the filed reconciliation, if any."""
    here = tenant_of(request)
    return _preview(here, _worker(principal(request)), _year(year))


@router.post(
    "/t/{tenant}/tax/me/reconciliation/{year}",
    response={201: AnnualReconciliationOut},
    summary="File my annual reconciliation",
)
def file_my_reconciliation(request: HttpRequest, tenant: str, year: int) -> Status[Any]:
    """One click: files the pre-filled reconciliation. Outside 1 March – 30 June of the next year:
    409 ``reconciliation_closed``. A refund is booked for payout; an amount due becomes a bill.
    Requires an Idempotency-Key."""
    caller = principal(request)
    here = tenant_of(request)
    worker = _worker(caller)
    _year(year)

    def run() -> tuple[int, Any]:
        filed = services.file_reconciliation(caller.actor, here, worker, year=year)
        return 201, AnnualReconciliationOut.model_validate(filed, from_attributes=True).model_dump(mode="json")

    return Status(*idempotency.run(request, "tax.file_reconciliation", {"year": year}, run))


# --- VAT ----------------------------------------------------------------------------------------


@router.post("/t/{tenant}/tax/vat-returns", response={201: VatReturnOut}, summary="File a small-scale VAT return")
def file_vat_return(request: HttpRequest, tenant: str, payload: VatReturnIn) -> Status[Any]:
    """Computes VAT (threshold, reduced rate, special-invoice sales) and the halved surcharges as of
    the period, files the return and bills the total. Requires an Idempotency-Key."""
    caller = principal(request)
    here = tenant_of(request)
    taxpayer = _acting_for(caller, here, payload.uscc)

    def run() -> tuple[int, Any]:
        filed = services.file_vat_return(
            caller.actor,
            here,
            taxpayer,
            period=payload.period,
            sales=payload.sales,
            special_invoice_sales=payload.special_invoice_sales,
            amend=payload.amend,
        )
        return 201, VatReturnOut.model_validate(vat_out(filed)).model_dump(mode="json")

    return Status(*idempotency.run(request, "tax.file_vat_return", payload, run))


@router.get("/t/{tenant}/tax/vat-returns", response=list[VatReturnOut], summary="List VAT returns")
def list_vat_returns(request: HttpRequest, tenant: str, uscc: str | None = None) -> list[dict[str, Any]]:
    """VAT returns, newest first (the bureau: all or one taxpayer's; a taxpayer: its own)."""
    caller = principal(request)
    here = tenant_of(request)
    taxpayer = None
    if uscc:
        taxpayer = selectors.taxpayer_by_uscc(here, uscc)
        if not caller.has(perms.TAX_ADMINISTER):
            _acting_for(caller, here, uscc)
    elif not caller.has(perms.TAX_FILE):
        _bureau(caller)
    return [vat_out(r) for r in selectors.vat_returns(here, taxpayer)[:500]]


# --- the bureau ---------------------------------------------------------------------------------


@router.get("/t/{tenant}/tax/compliance", response=ComplianceOut, summary="Filing compliance for a period")
def compliance(request: HttpRequest, tenant: str, period: str | None = None) -> dict[str, Any]:
    """How many registered agents filed for the period (default: last month), and which have not."""
    _bureau(principal(request))
    here = tenant_of(request)
    period = period or last_month()
    month_period(period)
    counts = selectors.compliance(here, period)
    return {"period": period, **counts, "unfiled_agents": list(selectors.unfiled_agents(here, period)[:1000])}


@router.post("/t/{tenant}/tax/assessments", response=AssessmentOut, summary="Assess a period")
def assess(request: HttpRequest, tenant: str, payload: AssessmentIn) -> dict[str, Any]:
    """Compliance check of every agent for the period, and a provisional assessment of each unfiled
    agent (its latest earlier withholding) — the same as ``smartgov tax assess``."""
    caller = principal(request)
    _bureau(caller)
    return services.assess(caller.actor, tenant_of(request), payload.period).as_dict()


@router.get("/t/{tenant}/tax/arrears", response=list[ArrearOut], summary="Unpaid tax bills")
def arrears(request: HttpRequest, tenant: str) -> list[dict[str, Any]]:
    """Tax bills not paid in full, oldest due first; late charges accrue on them through billing."""
    _bureau(principal(request))
    return [
        {
            "bill_id": b.pk,
            "payment_code": b.payment_code,
            "title": b.title,
            "state": b.state,
            "total": b.total_fen,
            "outstanding": b.outstanding_fen,
            "due_date": b.due_date.isoformat(),
        }
        for b in selectors.arrears(tenant_of(request))
    ]


@router.get("/t/{tenant}/tax/collection", response=CollectionOut, summary="Tax declared by month, refunds paid")
def collection(request: HttpRequest, tenant: str, year: int | None = None) -> dict[str, Any]:
    """Withholding declared on live returns per month of the year (default: this year), and the
    refunds of that year's reconciliation of the year before."""
    _bureau(principal(request))
    year = year or clock.local_now().year
    here = tenant_of(request)
    refunds = selectors.refunds(here, year - 1)
    return {
        "year": year,
        "months": selectors.withholding_by_month(here, year),
        "refunds_count": refunds.count(),
        "refunds_total": -sum(r.balance for r in refunds),
    }
