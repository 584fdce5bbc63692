"""What the isolation walk (tests/architecture/test_isolation_walk.py) needs from receipts and
reconciliation, for the lead to merge into tests/billing/isolation.py: a valid body per request
schema, and a receipt, a statement and a difference of a tenant by the walk's path parameter names.
(``payment_id`` comes from billing's own walk objects.)"""

from __future__ import annotations

from datetime import date

from django.test import override_settings

from smartgov.billing import services as billing_services
from smartgov.billing.receipts import services as receipt_services
from smartgov.billing.reconciliation import selectors as rec_selectors
from smartgov.billing.reconciliation import services as rec_services
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.billing.reconciliation.fakes import PROVIDERS
from tests.builders import SYSTEM, make_citizen, make_department

BODIES = {
    "StatementIn": {"channel": "fakepay", "content_base64": "a2luZA=="},
    "FetchStatementIn": {"channel": "fakepay", "day": "2026-11-24"},
    "ResolveIn": {"reason": "walk"},
}


def reconciliation_objects(tenant) -> dict[str, object]:
    """A paid bill's receipt, and a statement (of a day on which nothing settled) whose one
    difference is that payment, missing from it."""
    department, payer = make_department(tenant, "walk-finance"), make_citizen(tenant)
    with override_settings(PAYMENT_PROVIDERS=PROVIDERS), tenant_context(tenant):
        bill = billing_services.issue_bill(
            SYSTEM, tenant, biller=department, payer=payer,
            lines=[{"item": "walk", "quantity": 1, "unit_price_fen": 1000}], due_date=date(2099, 1, 1),
        )
        payment = billing_services.create_payment(
            SYSTEM, tenant, payment_code=bill.payment_code, channel="fakepay", amount_fen=1000, currency="CNY",
            notify_url="https://walk.test/notify", return_url="https://walk.test/return",
        )
        body = FakeProvider.notification_body(payment.out_trade_no, 1000)
        billing_services.handle_notification(tenant, "fakepay", body, "application/json", {})
        receipt = receipt_services.issue_receipt(tenant, payment.pk)
        statement = rec_services.import_statement(
            SYSTEM, tenant, channel="fakepay", day=date(2026, 11, 24),
            content=b"kind,out_trade_no,out_refund_no,trade_no,amount_fen,fee_fen,currency,settled_on\n",
        )
        difference = rec_selectors.differences(tenant, statement).first()
    return {
        "receipt_id": receipt.pk,
        "statement_id": statement.pk,
        "difference_id": difference.pk if difference else "",
    }
