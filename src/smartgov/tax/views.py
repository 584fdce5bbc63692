"""Pages of the tax app (under /<tenant>/tax/): workers' withholding, deductions and annual
reconciliation; businesses' payroll uploads and VAT returns; the bureau's compliance, arrears and
collection. The same services and selectors as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.accounts import permissions as perms
from smartgov.accounts.services import Principal
from smartgov.kit import clock, money
from smartgov.kit.errors import DomainError, NotFound
from smartgov.tax import selectors, services
from smartgov.tax.models import DeductionKind
from smartgov.tax.services.common import last_month, month_period
from smartgov.tenancy.models import Tenant
from smartgov.web import pages

View = Callable[..., HttpResponse]


def _last_tax_year() -> int:
    return clock.local_now().year - 1


# --- workers ------------------------------------------------------------------------------------


@pages.member_page()
def overview(request: HttpRequest, tenant: Tenant, caller: Principal) -> HttpResponse:
    """A worker's withholding by employer and month, their declarations, and the reconciliation."""
    membership = caller.membership
    has_id = bool(getattr(getattr(membership, "profile", None), "id_number_index", ""))
    lines = list(selectors.worker_lines(tenant, membership)[:240]) if has_id else []
    year = _last_tax_year()
    opens, closes = services.window(year)
    context = {
        "tenant": tenant,
        "has_id": has_id,
        "lines": lines,
        "declarations": list(selectors.declarations(tenant, membership)) if has_id else [],
        "kinds": DeductionKind.choices,
        "year": year,
        "this_year": clock.local_now().year,
        "window_opens": opens,
        "window_closes": closes,
        "taxpayers": list(selectors.taxpayers_of(tenant, membership)),
        "is_bureau": caller.has(perms.TAX_ADMINISTER),
    }
    return render(request, "tax/overview.html", context)


@pages.member_page()
@require_POST
def declare(request: HttpRequest, tenant: Tenant, caller: Principal) -> HttpResponse:
    details: dict[str, Any] = {}
    for name in ("children", "share_percent", "months", "city_tier", "monthly_share", "out_of_pocket", "contributions"):
        value = request.POST.get(name, "").strip()
        if value:
            details[name] = value
    if request.POST.get("only_child") is not None:
        details["only_child"] = request.POST.get("only_child") == "1"
    if request.POST.get("certificate"):
        details["certificate"] = True
    try:
        year = int(request.POST.get("year", ""))
        services.declare_deduction(
            caller.actor, tenant, caller.membership, year=year, kind=request.POST.get("kind", ""), details=details
        )
        messages.success(request, _("Deduction declared."))
    except ValueError:
        messages.error(request, _("The year must be a number."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("tax-overview", tenant=tenant.slug)


@pages.member_page()
@require_POST
def withdraw(request: HttpRequest, tenant: Tenant, caller: Principal, declaration_id: str) -> HttpResponse:
    declaration = selectors.declaration(tenant, caller.membership, declaration_id)
    services.withdraw_deduction(caller.actor, tenant, declaration)
    messages.success(request, _("Deduction withdrawn."))
    return redirect("tax-overview", tenant=tenant.slug)


@pages.member_page()
def reconciliation(request: HttpRequest, tenant: Tenant, caller: Principal, year: int) -> HttpResponse:
    """The pre-filled annual reconciliation with every figure explained; one button to file it."""
    try:
        prefill, result = services.compute_reconciliation(tenant, caller.membership, year)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tax-overview", tenant=tenant.slug)
    opens, closes = services.window(year)
    today = clock.local_now().date()
    context = {
        "tenant": tenant,
        "year": year,
        "prefill": prefill,
        "result": result,
        "refund": -result.balance if result.balance < 0 else 0,
        "filed": selectors.filed_reconciliation(tenant, caller.membership, year),
        "is_open": opens <= today <= closes,
        "window_opens": opens,
        "window_closes": closes,
    }
    return render(request, "tax/reconciliation.html", context)


@pages.member_page()
@require_POST
def file_reconciliation(request: HttpRequest, tenant: Tenant, caller: Principal, year: int) -> HttpResponse:
    try:
        filed = services.file_reconciliation(caller.actor, tenant, caller.membership, year=year)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if filed.result == "refund":
            messages.success(
                request,
                _("Filed. A refund of %(amount)s is on its way (reference %(ref)s).")
                % {"amount": money.format_amount(-filed.balance), "ref": filed.refund_reference},
            )
        elif filed.result == "due":
            messages.success(
                request,
                _("Filed. %(amount)s is due: pay bill %(bill)s.")
                % {"amount": money.format_amount(filed.balance), "bill": filed.bill_reference},
            )
        else:
            messages.success(request, _("Filed. Nothing to pay."))
    return redirect("tax-reconciliation", tenant=tenant.slug, year=year)


# --- businesses ---------------------------------------------------------------------------------


def _own_taxpayer(tenant: Tenant, caller: Principal, taxpayer_id: str) -> Any:
    taxpayer = selectors.taxpayer(tenant, taxpayer_id)
    if not caller.has(perms.TAX_FILE) and taxpayer.membership_id != caller.membership.pk:  # type: ignore[union-attr]
        raise NotFound(_("No such taxpayer."))
    return taxpayer


@pages.member_page()
def business(request: HttpRequest, tenant: Tenant, caller: Principal, taxpayer_id: str) -> HttpResponse:
    """A taxpayer's returns, the payroll upload (with its rejected-row report) and the VAT form."""
    taxpayer = _own_taxpayer(tenant, caller, taxpayer_id)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and request.POST.get("form") == "payroll":
        upload = request.FILES.get("payroll")
        if upload is None:
            messages.error(request, _("Choose a payroll file."))
        else:
            try:
                filed = services.file_withholding_return(
                    caller.actor,
                    tenant,
                    taxpayer,
                    period=request.POST.get("period", ""),
                    data=upload.read(),
                    filename=upload.name or "payroll.csv",
                    amend=request.POST.get("amend") == "1",
                )
                messages.success(
                    request,
                    _("Return %(ref)s filed: %(amount)s withheld, bill %(bill)s.")
                    % {
                        "ref": filed.reference,
                        "amount": money.format_amount(filed.total_withholding),
                        "bill": filed.bill_reference or "-",
                    },
                )
                return redirect("tax-business", tenant=tenant.slug, taxpayer_id=taxpayer.pk)
            except services.PayrollRejected as exc:
                problems = exc.details
                messages.error(request, exc.message)
            except DomainError as exc:
                messages.error(request, exc.message)
    elif request.method == "POST" and request.POST.get("form") == "vat":
        try:
            filed_vat = services.file_vat_return(
                caller.actor,
                tenant,
                taxpayer,
                period=request.POST.get("period", ""),
                sales=money.parse_amount(request.POST.get("sales", "") or "0"),
                special_invoice_sales=money.parse_amount(request.POST.get("special_invoice_sales", "") or "0"),
                amend=request.POST.get("amend") == "1",
            )
            messages.success(
                request,
                _("VAT return %(ref)s filed: %(amount)s, bill %(bill)s.")
                % {
                    "ref": filed_vat.reference,
                    "amount": money.format_amount(filed_vat.total),
                    "bill": filed_vat.bill_reference or "-",
                },
            )
            return redirect("tax-business", tenant=tenant.slug, taxpayer_id=taxpayer.pk)
        except ValueError:
            messages.error(request, _("Sales are amounts in yuan with at most two decimals."))
        except DomainError as exc:
            messages.error(request, exc.message)
    last_vat = selectors.last_vat_return(tenant, taxpayer) if taxpayer.is_small_scale_vat else None
    context = {
        "tenant": tenant,
        "taxpayer": taxpayer,
        "returns": list(selectors.withholding_returns(tenant, agent=taxpayer)[:36]),
        "vat_returns": list(selectors.vat_returns(tenant, taxpayer)[:12]),
        "last_vat": last_vat,
        "problems": problems,
        "default_period": last_month(),
    }
    return render(request, "tax/business.html", context)


@pages.member_page()
def return_detail(request: HttpRequest, tenant: Tenant, caller: Principal, return_id: str) -> HttpResponse:
    filed = selectors.withholding_return(tenant, return_id)
    if not caller.has(perms.TAX_ADMINISTER):
        _own_taxpayer(tenant, caller, str(filed.agent_id))
    context = {"tenant": tenant, "filed": filed, "lines": list(selectors.lines(tenant, filed)[:2000])}
    return render(request, "tax/return.html", context)


# --- the bureau ---------------------------------------------------------------------------------


@pages.member_page(perms.TAX_ADMINISTER)
def bureau(request: HttpRequest, tenant: Tenant, caller: Principal) -> HttpResponse:
    """Compliance for a period, arrears, collection by month and refunds."""
    period = request.GET.get("period") or last_month()
    try:
        year, _month = month_period(period)
    except DomainError as exc:
        messages.error(request, exc.message)
        period = last_month()
        year, _month = month_period(period)
    context = {
        "tenant": tenant,
        "period": period,
        "compliance": selectors.compliance(tenant, period),
        "unfiled": list(selectors.unfiled_agents(tenant, period)[:200]),
        "arrears": selectors.arrears(tenant)[:200],
        "months": selectors.withholding_by_month(tenant, year),
        "refunds": list(selectors.refunds(tenant)[:50]),
        "refunds_total": selectors.refunds_total(tenant),
    }
    return render(request, "tax/bureau.html", context)
