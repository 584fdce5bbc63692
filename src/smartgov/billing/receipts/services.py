"""Issuing e-receipts: exactly one per succeeded payment, signed by the tenant, announced to the payer.

Three paths lead here and all are safe to repeat: the ``bill_paid`` signal (receipts the moment a
bill is paid), the periodic sweep ``issue_missing`` (partial payments, and anything the signal missed
because a process died between commit and signal), and the payer's receipt page, which issues on
demand. The unique constraint on (tenant, payment) decides any race.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from smartgov.audit.services import Actor, record
from smartgov.billing import selectors as billing_selectors
from smartgov.kit import clock, money
from smartgov.kit.errors import Conflict
from smartgov.kit.ids import reference
from smartgov.notices import services as notices_services
from smartgov.tenancy import keys
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

from . import document, selectors
from .models import Receipt, ReceiptSequence

log = logging.getLogger("smartgov.billing.receipts")
SYSTEM = Actor.system("receipts")


def _next_number(tenant: Tenant, year: int) -> str:
    seq, _created = ReceiptSequence.objects.get_or_create(tenant=tenant, year=year)
    seq = ReceiptSequence.objects.select_for_update().get(pk=seq.pk)
    seq.last += 1
    seq.save(update_fields=["last"])
    return reference(f"{tenant.reference_prefix}PJ", year, seq.last)


def _content(tenant: Tenant, payment: Any, number: str, issued_at: Any) -> dict[str, Any]:
    bill = payment.bill
    lines = billing_selectors.bill_lines(tenant, bill)
    return {
        "v": document.CONTENT_VERSION,
        "tenant": tenant.slug,
        "issuer": tenant.name_zh,
        "time_zone": tenant.time_zone or "Asia/Shanghai",
        "number": number,
        "issued_at": issued_at.isoformat(),
        "payment_id": str(payment.pk),
        "payer": bill.payer_name_masked,
        "biller": {"code": bill.biller.code, "name": bill.biller.name_zh},
        "bill_title": bill.title,
        "payment_code": bill.payment_code,
        "items": [
            {
                "item": line.item,
                "quantity": str(line.quantity.normalize()),
                "unit_price_fen": line.unit_price_fen,
                "amount_fen": line.amount_fen,
            }
            for line in lines
        ],
        "bill_total_fen": bill.total_fen,
        "amount_fen": payment.amount_fen,
        "currency": payment.currency,
        "amount_in_words": money.capital_numerals(payment.amount_fen),
        "channel": payment.channel,
        "out_trade_no": payment.out_trade_no,
        "provider_reference": payment.provider_reference,
        "paid_at": (payment.paid_at or payment.finished_at or issued_at).isoformat(),
    }


def issue_receipt(tenant: Tenant, payment_id: Any, *, actor: Actor = SYSTEM) -> Receipt:
    """The receipt of a succeeded payment, issuing it if there is none yet. A payment that has not
    succeeded is a 409."""
    existing = selectors.receipt_for_payment_or_none(tenant, payment_id)
    if existing is not None:
        return existing
    payment = billing_selectors.payment(tenant, payment_id)
    if payment.state != "succeeded":
        raise Conflict("This payment has not succeeded; it has no receipt.", code="payment_not_succeeded")
    try:
        return _issue(tenant, payment, actor)
    except IntegrityError:
        # Someone else issued it between our look and our insert: theirs is the one.
        found = selectors.receipt_for_payment_or_none(tenant, payment_id)
        if found is None:
            raise
        return found


@transaction.atomic
def _issue(tenant: Tenant, payment: Any, actor: Actor) -> Receipt:
    now = clock.now()
    year = now.astimezone(clock.DEFAULT_ZONE).year
    with transaction.atomic():  # a savepoint: a lost race rolls back the number too
        number = _next_number(tenant, year)
        content = _content(tenant, payment, number, now)
        signature = keys.sign(tenant, document.canonical(content))
        receipt = Receipt.objects.create(
            tenant=tenant,
            payment=payment,
            number=number,
            issued_at=now,
            amount_fen=payment.amount_fen,
            currency=payment.currency,
            content=content,
            signature_algorithm=signature.algorithm,
            public_key=signature.public_key,
            signature=signature.value,
        )
    record(
        actor=actor,
        tenant=tenant,
        action="billing.receipt_issued",
        obj=receipt,
        changes={"number": number, "payment": str(payment.pk), "amount_fen": payment.amount_fen},
    )
    _tell_payer(tenant, payment, receipt)
    return receipt


def _tell_payer(tenant: Tenant, payment: Any, receipt: Receipt) -> None:
    """The payer hears of it through notices (in-app, and e-mail and SMS as they chose, after
    commit), with a link to the receipt page where the signed PDF is downloaded."""
    bill = payment.bill
    paid_at = datetime.fromisoformat(receipt.content["paid_at"]).astimezone(clock.DEFAULT_ZONE)
    notices_services.notify(
        tenant,
        bill.payer,
        "payment_received",
        {
            "amount": money.format_amount(receipt.amount_fen, receipt.currency),
            "bill_reference": bill.payment_code,
            "paid_at": paid_at.strftime("%Y-%m-%d %H:%M"),
        },
        link=reverse("receipts-payment", kwargs={"tenant": tenant.slug, "payment_id": payment.pk}),
    )


def issue_for_bill(tenant: Tenant, bill_id: Any) -> list[Receipt]:
    """Receipts for every succeeded payment of a bill (the ``bill_paid`` hook)."""
    bill = billing_selectors.bill(tenant, bill_id)
    ids = [p.pk for p in billing_selectors.payments(tenant, bill) if p.state == "succeeded"]
    return [issue_receipt(tenant, pid) for pid in ids if selectors.receipt_for_payment_or_none(tenant, pid) is None]


def issue_missing(tenant: Tenant, limit: int = 500) -> int:
    """The sweep: receipts for succeeded payments that have none, oldest first. Returns how many."""
    issued = 0
    for payment_id in selectors.payments_without_receipt(tenant, limit):
        try:
            issue_receipt(tenant, payment_id)
            issued += 1
        except Conflict:  # refunded or changed meanwhile: nothing to issue
            continue
    return issued


def on_bill_paid(sender: Any, *, tenant_id: Any, bill_id: Any, **kwargs: Any) -> None:
    """Receiver of ``billing.services.bill_paid`` (connected in apps.ready). Never raises into the
    payment's notification handler: the sweep catches up whatever fails here."""
    from smartgov.tenancy import selectors as tenancy_selectors

    try:
        tenant = tenancy_selectors.tenants().get(pk=tenant_id)
        with tenant_context(tenant):
            issue_for_bill(tenant, bill_id)
    except Exception:
        log.exception("issuing receipts for bill %s failed; the sweep will retry", bill_id)
