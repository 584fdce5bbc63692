"""Billing pages: the public bill look-up and payment, the payer's bills, the biller's list and upload.

They call the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts import services as accounts_services
from smartgov.audit.services import Actor
from smartgov.billing import channels, paycode, selectors, services
from smartgov.billing.models import Bill
from smartgov.kit.errors import DomainError, NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


def _tenant(request: HttpRequest) -> Tenant:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise NotFound(_("No such tenant."))
    return tenant


def _actor(request: HttpRequest) -> Actor:
    if request.user.is_authenticated:
        return accounts_services.actor_for(request.user)
    return Actor("anonymous", "", "portal payer")


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Payment code"), max_length=40)

    def clean_code(self) -> str:
        code = paycode.normalise(self.cleaned_data["code"])
        if not paycode.is_valid(code):
            raise forms.ValidationError(_("This is not a valid payment code (20 digits)."))
        return code


def lookup(request: HttpRequest, tenant: str) -> HttpResponse:
    """Anyone: type the payment code printed on the notice."""
    _tenant(request)
    form = LookupForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("billing-bill", tenant=tenant, code=form.cleaned_data["code"])
    return render(request, "billing/lookup.html", {"form": form})


def bill_page(request: HttpRequest, tenant: str, code: str) -> HttpResponse:
    """Anyone holding the code: the bill (payer masked) and a choice of channels to pay it."""
    the_tenant = _tenant(request)
    bill = selectors.bill_by_payment_code(the_tenant, code)
    error = ""
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            payment = services.create_payment(
                _actor(request),
                the_tenant,
                payment_code=bill.payment_code,
                channel=channel,
                amount_fen=bill.payable_fen,
                currency=bill.currency,
                notify_url=request.build_absolute_uri(f"/api/v1/t/{the_tenant.slug}/billing/notify/{channel}"),
                return_url=request.build_absolute_uri(f"/{the_tenant.slug}/bills/payments/") + "{payment_id}",
            )
        except DomainError as exc:
            error = exc.message
        else:
            if payment.checkout_url:
                return redirect(payment.checkout_url)
            return redirect("billing-payment", tenant=tenant, payment_id=payment.pk)  # bank transfer instructions
    return render(
        request,
        "billing/bill.html",
        {"bill": bill, "lines": selectors.bill_lines(the_tenant, bill), "channels": channels.codes(), "error": error},
    )


def payment_page(request: HttpRequest, tenant: str, payment_id: str) -> HttpResponse:
    """Where the channel sends the payer back: what happened to the payment, and once a statement
    listed it, when the channel settled it (finance staff also see the fee and the statement)."""
    the_tenant = _tenant(request)
    payment = selectors.payment(the_tenant, payment_id)
    finance = False
    if request.user.is_authenticated:
        principal = accounts_services.principal_for_user(request.user, the_tenant)
        finance = principal is not None and principal.has(perms.FINANCE_RECONCILE)
    return render(request, "billing/payment.html", {"payment": payment, "bill": payment.bill, "finance": finance})


def my_bills(request: HttpRequest, tenant: str) -> HttpResponse:
    the_tenant = _tenant(request)
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    membership = accounts_selectors.membership_of(the_tenant, request.user)
    bills = selectors.bills(the_tenant, payer_id=membership.pk)[:200] if membership is not None else []
    return render(request, "billing/my_bills.html", {"bills": bills})


@pages.member_page(perms.BILLS_READ)
def staff_bills(request: HttpRequest, tenant: Tenant, principal: Any) -> HttpResponse:
    state = request.GET.get("state") or None
    page = Paginator(selectors.bills(tenant, state=state), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/staff_bills.html",
        {
            "page": page,
            "state": state or "",
            "states": Bill.State.choices,
            "can_issue": principal.has(perms.BILLS_ISSUE),
        },
    )


class UploadForm(forms.Form):
    biller = forms.ChoiceField(label=gettext_lazy("Biller"))
    file = forms.FileField(label=gettext_lazy("Meter readings (CSV or XLSX)"))
    issue = forms.BooleanField(label=gettext_lazy("Issue the bills (leave unticked for a dry run)"), required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(d.code, d.name_zh) for d in tenancy_selectors.departments(tenant)]
        self.fields["biller"].choices = choices  # type: ignore[attr-defined]


@pages.member_page(perms.BILLS_ISSUE)
def staff_upload(request: HttpRequest, tenant: Tenant, principal: Any) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, tenant=tenant)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.bulk_issue_water(
                principal.actor,
                tenant,
                tenancy_selectors.department_by_code(tenant, form.cleaned_data["biller"]),
                upload,
                filename=upload.name,
                dry_run=not form.cleaned_data["issue"],
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            if report.issued:
                messages.success(request, _("%(n)d bills issued.") % {"n": report.issued})
    return render(request, "billing/upload.html", {"form": form, "report": report})
