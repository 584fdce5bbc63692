"""Receipt pages: the payer's receipt (by the payment id the channel returned them with, like the
payment page), its PDF, and the public verification page the QR code opens (no login)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from smartgov.accounts import selectors as accounts_selectors
from smartgov.billing import selectors as billing_selectors
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant

from . import selectors, services


def _tenant(request: HttpRequest) -> Tenant:
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise NotFound("No such tenant.")
    return tenant


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def my_receipts(request: HttpRequest, tenant: str) -> HttpResponse:
    """The signed-in payer's receipts, each with its page and PDF."""
    the_tenant = _tenant(request)
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    membership = accounts_selectors.membership_of(the_tenant, request.user)
    rows = selectors.receipts_of_payer(the_tenant, membership.pk)[:500] if membership is not None else []
    return render(request, "billing_receipts/mine.html", {"receipts": rows})


def receipt_page(request: HttpRequest, tenant: str, payment_id: str) -> HttpResponse:
    """The receipt of a payment; issued here if the payment succeeded and none exists yet (the same
    idempotent service as the signal and the sweep)."""
    the_tenant = _tenant(request)
    payment = billing_selectors.payment(the_tenant, payment_id)
    receipt = None
    if payment.state == "succeeded":
        receipt = services.issue_receipt(the_tenant, payment.pk)
    context = {
        "payment": payment,
        "bill": payment.bill,
        "receipt": receipt,
        "content": receipt.content if receipt else None,
        "verify_url": selectors.verify_url(the_tenant, receipt, _base(request)) if receipt else "",
    }
    return render(request, "billing_receipts/receipt.html", context)


def receipt_pdf(request: HttpRequest, tenant: str, payment_id: str) -> HttpResponse:
    the_tenant = _tenant(request)
    payment = billing_selectors.payment(the_tenant, payment_id)
    receipt = selectors.receipt_for_payment(the_tenant, payment.pk)
    response = HttpResponse(selectors.pdf(the_tenant, receipt, _base(request)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt.number}.pdf"'
    return response


def verify_page(request: HttpRequest, tenant: str, receipt_id: str) -> HttpResponse:
    """Public: whoever holds the receipt checks it. Shows only what the receipt itself prints
    (the payer's name stays masked) and whether the signature holds."""
    the_tenant = _tenant(request)
    try:
        receipt = selectors.receipt(the_tenant, receipt_id)
    except NotFound:
        return render(request, "billing_receipts/verify.html", {"found": False}, status=404)
    result = selectors.verify(the_tenant, receipt)
    return render(
        request,
        "billing_receipts/verify.html",
        {"found": True, "result": result, "receipt": receipt, "content": receipt.content},
    )
