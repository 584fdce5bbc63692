"""Settlement facts on payments: what the provider's daily statement says it settled for each one.

Reconciliation calls this while it imports or re-checks a statement, in that transaction (it is the
import's audit event that records the write). A payment keeps the first statement that listed it:
another statement listing it again (a provider's mistake, which reconciliation reports) changes
nothing, and the same statement writes the same values again, so a re-check is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from smartgov.billing.models import Payment
from smartgov.tenancy.models import Tenant

FIELDS = ["settled_on", "settlement_amount_fen", "settlement_fee_fen", "settlement_statement"]


@dataclass(frozen=True)
class Settlement:
    payment_id: Any
    settled_on: date
    amount_fen: int  # what the provider settled for the payment (it may differ from ours: a difference)
    fee_fen: int | None  # the provider's fee on it; None when the statement carries no fees


def record_settlements(tenant: Tenant, statement_id: Any, settlements: Iterable[Settlement]) -> int:
    """Write each settlement onto its payment, unless another statement settled the payment first.
    Returns how many payments now name ``statement_id``. Call inside the statement's transaction."""
    by_payment: dict[Any, Settlement] = {}
    for s in settlements:
        by_payment.setdefault(s.payment_id, s)  # the first line naming a payment is its settlement
    if not by_payment:
        return 0
    payments = list(
        Payment.objects.filter(tenant=tenant, pk__in=by_payment)
        .filter(Q(settlement_statement__isnull=True) | Q(settlement_statement_id=statement_id))
        .only("pk", *FIELDS)
        .order_by("pk")
    )
    changed = []
    for payment in payments:
        s = by_payment[payment.pk]
        values = (s.settled_on, s.amount_fen, s.fee_fen, statement_id)
        if (payment.settled_on, payment.settlement_amount_fen, payment.settlement_fee_fen,
                payment.settlement_statement_id) != values:
            payment.settled_on, payment.settlement_amount_fen, payment.settlement_fee_fen = values[:3]
            payment.settlement_statement_id = statement_id
            changed.append(payment)
    Payment.objects.bulk_update(changed, FIELDS, batch_size=500)
    return len(payments)
