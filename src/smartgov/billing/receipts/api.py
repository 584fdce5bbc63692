"""Receipts: list, fetch (the payer or billing staff), PDF, issue on demand, and public verification."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from smartgov.accounts import permissions as perms
from smartgov.api.auth import PUBLIC, principal, tenant_auth, tenant_of
from smartgov.billing import selectors as billing_selectors
from smartgov.kit.errors import NotFound

from . import selectors, services
from .models import Receipt
from .schemas import ReceiptOut, ReceiptVerificationOut

router = Router(tags=["receipts"], auth=tenant_auth)
BASE = "/t/{tenant}/billing"


def _may_see(request: HttpRequest, payment: Any) -> None:
    caller = principal(request)
    if caller.has(perms.BILLS_READ):
        return
    if caller.membership is not None and caller.membership.pk == payment.bill.payer_id:
        return
    raise NotFound("No such receipt.", code="receipt_not_found")  # another payer's receipt is not there


def _out(request: HttpRequest, receipt: Receipt) -> dict[str, Any]:
    tenant = tenant_of(request)
    return {
        "id": receipt.pk,
        "number": receipt.number,
        "payment_id": receipt.payment_id,
        "amount_fen": receipt.amount_fen,
        "currency": receipt.currency,
        "amount_in_words": receipt.content.get("amount_in_words", ""),
        "issued_at": receipt.issued_at,
        "content": receipt.content,
        "signature_algorithm": receipt.signature_algorithm,
        "public_key": receipt.public_key,
        "signature": receipt.signature,
        "verify_url": selectors.verify_url(tenant, receipt, request.build_absolute_uri("/")),
        "pdf_url": request.build_absolute_uri(f"/api/v1/t/{tenant.slug}/billing/receipts/{receipt.pk}/pdf"),
    }


@router.get(f"{BASE}/receipts", response=list[ReceiptOut], summary="List receipts")
def list_receipts(request: HttpRequest, tenant: str, limit: int = 100, offset: int = 0) -> Any:
    """Receipts issued by the tenant, newest first (at most 500 a page)."""
    principal(request).require(perms.BILLS_READ)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return [_out(request, r) for r in selectors.receipts(tenant_of(request))[offset : offset + limit]]


@router.get(f"{BASE}/my/receipts", response=list[ReceiptOut], summary="My receipts")
def my_receipts(request: HttpRequest, tenant: str) -> Any:
    """The signed-in payer's receipts across the tenant's billers (an API client has none)."""
    caller = principal(request)
    if caller.membership is None:
        return []
    return [_out(request, r) for r in selectors.receipts_of_payer(tenant_of(request), caller.membership.pk)[:500]]


@router.get(f"{BASE}/payments/{{payment_id}}/receipt", response=ReceiptOut, summary="A payment's receipt")
def payment_receipt(request: HttpRequest, tenant: str, payment_id: str) -> Any:
    """The e-receipt of a succeeded payment, issued now if it has none yet (idempotent: one receipt
    per payment). The payer and billing staff only; a payment that has not succeeded is a 409."""
    the_tenant = tenant_of(request)
    payment = billing_selectors.payment(the_tenant, payment_id)
    _may_see(request, payment)
    return _out(request, services.issue_receipt(the_tenant, payment.pk))


@router.get(f"{BASE}/receipts/{{receipt_id}}", response=ReceiptOut, summary="Get a receipt")
def get_receipt(request: HttpRequest, tenant: str, receipt_id: str) -> Any:
    receipt = selectors.receipt(tenant_of(request), receipt_id)
    _may_see(request, receipt.payment)
    return _out(request, receipt)


@router.get(f"{BASE}/receipts/{{receipt_id}}/pdf", summary="Download a receipt (PDF)")
def receipt_pdf(request: HttpRequest, tenant: str, receipt_id: str) -> HttpResponse:
    """The signed receipt as a PDF, with its QR code to the public verification page."""
    the_tenant = tenant_of(request)
    receipt = selectors.receipt(the_tenant, receipt_id)
    _may_see(request, receipt.payment)
    response = HttpResponse(
        selectors.pdf(the_tenant, receipt, request.build_absolute_uri("/")), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{receipt.number}.pdf"'
    return response


@router.get(
    f"{BASE}/receipts/{{receipt_id}}/verify", response=ReceiptVerificationOut, auth=PUBLIC, summary="Verify a receipt"
)
def verify_receipt(request: HttpRequest, tenant: str, receipt_id: str) -> Any:
    """Public: whether the receipt was issued and signed by this tenant and is unaltered (what the
    QR code's page shows, as JSON). Shows only what the receipt itself prints."""
    the_tenant = tenant_of(request)
    receipt = selectors.receipt(the_tenant, receipt_id)
    result = selectors.verify(the_tenant, receipt)
    content = receipt.content
    return {
        "valid": result.valid,
        "reason": result.reason,
        "number": receipt.number,
        "issuer": content.get("issuer", ""),
        "payer": content.get("payer", ""),
        "biller": content.get("biller", {}).get("name", ""),
        "amount_fen": receipt.amount_fen,
        "currency": receipt.currency,
        "amount_in_words": content.get("amount_in_words", ""),
        "issued_at": receipt.issued_at,
    }
