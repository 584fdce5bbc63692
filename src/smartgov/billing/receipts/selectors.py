"""Reads of receipts, tenant first; verification of a receipt's signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from smartgov.billing.models import Payment
from smartgov.kit import signing
from smartgov.kit.errors import NotFound
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

from . import document
from .models import Receipt


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def receipts(tenant: Tenant) -> QuerySet[Receipt]:
    return Receipt.objects.filter(tenant=tenant).order_by("-issued_at")


def receipts_of_payer(tenant: Tenant, membership_id: Any) -> QuerySet[Receipt]:
    """A payer's receipts across the tenant's billers, newest first."""
    return (
        Receipt.objects.filter(tenant=tenant, payment__bill__payer_id=membership_id)
        .select_related("payment")
        .order_by("-issued_at")
    )


def receipt(tenant: Tenant, receipt_id: Any) -> Receipt:
    pk = _uuid(receipt_id)
    found = Receipt.objects.filter(tenant=tenant, pk=pk).select_related("payment__bill").first() if pk else None
    if found is None:
        raise NotFound("No such receipt.", code="receipt_not_found")
    return found


def receipt_for_payment_or_none(tenant: Tenant, payment_id: Any) -> Receipt | None:
    pk = _uuid(payment_id)
    if pk is None:
        return None
    return Receipt.objects.filter(tenant=tenant, payment_id=pk).select_related("payment__bill").first()


def receipt_for_payment(tenant: Tenant, payment_id: Any) -> Receipt:
    found = receipt_for_payment_or_none(tenant, payment_id)
    if found is None:
        raise NotFound("This payment has no receipt.", code="receipt_not_found")
    return found


def payments_without_receipt(tenant: Tenant, limit: int = 500) -> list[UUID]:
    """Succeeded payments with no receipt yet, oldest first (the sweep's work list)."""
    issued = Receipt.objects.filter(tenant=tenant).values("payment_id")
    return list(
        Payment.objects.filter(tenant=tenant, state=Payment.State.SUCCEEDED)
        .exclude(pk__in=issued)
        .order_by("paid_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def verify_path(tenant: Tenant, receipt: Receipt) -> str:
    return reverse("receipts-verify", kwargs={"tenant": tenant.slug, "receipt_id": receipt.pk})


def verify_url(tenant: Tenant, receipt: Receipt, base_url: str = "") -> str:
    """The absolute URL the QR code opens: under ``base_url`` (the request's site), else under the
    ``SITE_URL`` setting, else a site-relative path."""
    base = (base_url or str(getattr(settings, "SITE_URL", "") or "")).rstrip("/")
    return base + verify_path(tenant, receipt)


def signature_of(receipt: Receipt) -> signing.Signature:
    return signing.Signature(receipt.signature_algorithm, receipt.public_key, receipt.signature)  # type: ignore[arg-type]


def pdf(tenant: Tenant, receipt: Receipt, base_url: str = "") -> bytes:
    return document.render(
        receipt.content, signature=signature_of(receipt), verify_url=verify_url(tenant, receipt, base_url)
    )


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # "ok", "bad_signature", "unknown_key", "altered"
    receipt: Receipt


def verify(tenant: Tenant, receipt: Receipt) -> Verification:
    """Valid only if the tenant's signing key signed exactly this content and the content still
    agrees with the stored columns a list shows (number, amount, payment)."""
    content = receipt.content
    if (
        content.get("number") != receipt.number
        or content.get("amount_fen") != receipt.amount_fen
        or content.get("payment_id") != str(receipt.payment_id)
        or content.get("tenant") != tenant.slug
    ):
        return Verification(False, "altered", receipt)
    if receipt.public_key != keys.signing_key(tenant).public_key():
        return Verification(False, "unknown_key", receipt)
    if not signature_of(receipt).verifies(document.canonical(content)):
        return Verification(False, "bad_signature", receipt)
    return Verification(True, "ok", receipt)
