"""What the isolation walk (tests/architecture/test_isolation_walk.py) needs from billing: a valid
body per request schema, and a bill and a payment in a tenant whose ids the walk can send at the
other tenant."""

from __future__ import annotations

from datetime import date

from django.test import override_settings

from smartgov.billing import services
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import PROVIDERS
from tests.builders import SYSTEM

BODIES = {
    "BillIn": {
        "biller": "tax",
        "payer_id": "00000000-0000-4000-8000-000000000000",
        "lines": [{"item": "walk", "quantity": 1, "unit_price_fen": 100}],
        "due_date": "2099-01-01",
    },
    "ReasonIn": {"reason": "walk"},
    "CreditNoteIn": {"amount_fen": 1, "reason": "walk"},
    "PaymentIn": {"payment_code": "12345678901234567897", "channel": "fakepay", "amount_fen": 1},
    "RefundIn": {"amount_fen": 1, "reason": "walk"},
    "LateChargeRuleIn": {"rate_ppm": 500},
}


def billing_objects(tenant, department, payer) -> dict[str, object]:
    """A bill with a payment of ``tenant``, issued by ``department`` to ``payer``: their ids by the
    walk's path parameter names."""
    with override_settings(PAYMENT_PROVIDERS=PROVIDERS), tenant_context(tenant):
        bill = services.issue_bill(
            SYSTEM,
            tenant,
            biller=department,
            payer=payer,
            lines=[{"item": "walk", "quantity": 1, "unit_price_fen": 1000}],
            due_date=date(2099, 1, 1),
        )
        payment = services.create_payment(
            SYSTEM,
            tenant,
            payment_code=bill.payment_code,
            channel="fakepay",
            amount_fen=1000,
            currency="CNY",
            notify_url="https://walk.test/notify",
            return_url="https://walk.test/return",
        )
    return {"bill_id": bill.pk, "payment_id": payment.pk, "payment_code": bill.payment_code, "channel": "fakepay"}
