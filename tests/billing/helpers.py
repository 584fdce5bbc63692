"""Builders for billing tests: a biller, a payer, a bill, a paid bill."""

from __future__ import annotations

from datetime import date

from smartgov.billing import services
from smartgov.billing.models import Bill, Payment
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.builders import SYSTEM, make_citizen, make_department, make_tenant

NOTIFY = "https://gov.test/api/v1/t/x/billing/notify/fakepay"
RETURN = "https://gov.test/x/bills/payments/{payment_id}"


def billing_world(slug: str | None = None):
    tenant = make_tenant(slug)
    water = make_department(tenant, "water")
    citizen = make_citizen(tenant)
    return tenant, water, citizen


def issue(tenant, biller, payer, *, lines=None, due=date(2026, 12, 31), **kw) -> Bill:
    if lines is None:
        lines = [{"item": "水费 Water", "quantity": "12.5", "unit_price_fen": 345}]
    with tenant_context(tenant):
        return services.issue_bill(SYSTEM, tenant, biller=biller, payer=payer, lines=lines, due_date=due, **kw)


def pay(tenant, bill, amount=None, *, channel="fakepay") -> Payment:
    with tenant_context(tenant):
        return services.create_payment(
            SYSTEM,
            tenant,
            payment_code=bill.payment_code,
            channel=channel,
            amount_fen=amount if amount is not None else bill.outstanding_fen,
            currency="CNY",
            notify_url=NOTIFY,
            return_url=RETURN,
        )


def notify(tenant, payment, *, status="succeeded", amount=None, currency="CNY", forge=False):
    body = FakeProvider.notification_body(
        payment.out_trade_no,
        payment.amount_fen if amount is None else amount,
        status=status,
        currency=currency,
        forge=forge,
    )
    with tenant_context(tenant):
        return services.handle_notification(tenant, "fakepay", body, "application/json", {})


def paid_bill(tenant, biller, payer, **kw) -> tuple[Bill, Payment]:
    bill = issue(tenant, biller, payer, **kw)
    payment = pay(tenant, bill)
    notify(tenant, payment)
    refresh(tenant, bill)
    refresh(tenant, payment)
    return bill, payment


def refresh(tenant, *objs):
    """Reload rows as the tenant (row-level security hides them otherwise on PostgreSQL)."""
    with tenant_context(tenant):
        for obj in objs:
            obj.refresh_from_db()
