"""Turning billing rows into the plain dicts the API schemas and pages show."""

from __future__ import annotations

from typing import Any

from smartgov.billing import selectors
from smartgov.billing.models import Bill, LedgerAccount, Payment
from smartgov.ledger import Balance, Side
from smartgov.tenancy.models import Tenant


def lines(tenant: Tenant, bill: Bill) -> list[dict[str, Any]]:
    return [
        {
            "position": line.position,
            "kind": line.kind,
            "item": line.item,
            "quantity": format(line.quantity.normalize(), "f"),
            "unit_price_fen": line.unit_price_fen,
            "amount_fen": line.amount_fen,
            "accrued_on": line.accrued_on,
        }
        for line in selectors.bill_lines(tenant, bill)
    ]


def bill(tenant: Tenant, b: Bill) -> dict[str, Any]:
    return {
        "id": b.pk,
        "payment_code": b.payment_code,
        "biller": b.biller.code,
        "payer_id": b.payer_id,
        "payer_name_masked": b.payer_name_masked,
        "title": b.title,
        "currency": b.currency,
        "total_fen": b.total_fen,
        "paid_fen": b.net_paid_fen,
        "outstanding_fen": b.outstanding_fen,
        "credited_fen": b.credited_fen,
        "due_date": b.due_date,
        "state": b.state,
        "issued_at": b.issued_at,
        "paid_at": b.paid_at,
        "source_type": b.source_type,
        "source_id": b.source_id,
        "lines": lines(tenant, b),
    }


def public_bill(tenant: Tenant, b: Bill) -> dict[str, Any]:
    return {
        "payment_code": b.payment_code,
        "biller_name": b.biller.name_zh,
        "payer_name_masked": b.payer_name_masked,
        "title": b.title,
        "currency": b.currency,
        "total_fen": b.total_fen,
        "outstanding_fen": b.outstanding_fen,
        "payable_fen": b.payable_fen,
        "due_date": b.due_date,
        "state": b.state,
        "lines": lines(tenant, b),
    }


def payment(p: Payment) -> dict[str, Any]:
    return {
        "id": str(p.pk),
        "bill_id": str(p.bill_id),
        "payment_code": p.bill.payment_code,
        "channel": p.channel,
        "out_trade_no": p.out_trade_no,
        "amount_fen": p.amount_fen,
        "currency": p.currency,
        "state": p.state,
        "checkout_url": p.checkout_url,
        "checkout_instructions": p.checkout_instructions or {},
        "provider_reference": p.provider_reference,
        "created_at": p.created_at.isoformat(),
        "expires_at": p.expires_at.isoformat(),
        "paid_at": p.paid_at.isoformat() if p.paid_at else None,
        "refunded_fen": p.refunded_fen,
        "refund_amount_available": p.refund_amount_available,
        "settled_on": p.settled_on.isoformat() if p.settled_on else None,
        "settlement_amount_fen": p.settlement_amount_fen,
        "settlement_fee_fen": p.settlement_fee_fen,
        "settlement_statement_id": str(p.settlement_statement_id) if p.settlement_statement_id else None,
    }


def ledger_account(a: LedgerAccount) -> dict[str, Any]:
    balance = Balance(a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
    return {
        "code": a.code,
        "ledger": a.ledger,
        "currency": a.currency,
        "normal": a.normal,
        "debits_pending": a.debits_pending,
        "debits_posted": a.debits_posted,
        "credits_pending": a.credits_pending,
        "credits_posted": a.credits_posted,
        "balance": balance.posted(Side(a.normal)),
    }
