"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the billing operations:
a valid body per request schema, and a bill and a payment of each tenant.

``channel`` names a channel no configuration has, so its public notification URL answers 404 like
a missing object."""

from __future__ import annotations

from datetime import date

from django.test import override_settings

from smartgov.billing import services
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import PROVIDERS
from tests.builders import SYSTEM, make_citizen, make_department

BODIES = {
    "BillIn": {
        "biller": "water",
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


def objects(tenant) -> dict[str, object]:
    """A bill with a payment of ``tenant``: their ids by the walk's path parameter names."""
    department = make_department(tenant, "water")
    payer = make_citizen(tenant)
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
    # No channel of that name is configured in the walk: its notification URL is not there (404).
    channel = f"nochannel{tenant.pk.hex[-8:]}"
    return {"bill_id": bill.pk, "payment_id": payment.pk, "payment_code": bill.payment_code, "channel": channel}


# Reconciliation and receipts (apps inside billing) teach the walk through billing's file.
from tests.billing.reconciliation import walk as _finance_walk  # noqa: E402

BODIES.update(_finance_walk.BODIES)
_billing_objects = objects


def objects(tenant):
    return {**_billing_objects(tenant), **_finance_walk.reconciliation_objects(tenant)}
