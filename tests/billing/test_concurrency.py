"""Many parallel payments, notifications and refunds against one bill on PostgreSQL: no over-refund,
no double payment, and the books still verify."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from smartgov.billing import selectors, services
from smartgov.billing.models import Bill, LedgerTransfer, Payment, Refund
from smartgov.kit.errors import DomainError
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import NOTIFY, RETURN, billing_world, issue, notify, paid_bill
from tests.builders import SYSTEM

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def run_parallel(fn, n=THREADS):
    """Run ``fn(i)`` in ``n`` threads released together; return their results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # collected and inspected by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def outcome(result):
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, Exception):
        raise result
    return "ok"


def test_parallel_payments_and_notifications_pay_a_bill_once():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen, lines=[{"item": "x", "quantity": 1, "unit_price_fen": 1000}])

    def create(i):
        with tenant_context(tenant):
            return services.create_payment(
                SYSTEM,
                tenant,
                payment_code=bill.payment_code,
                channel="fakepay",
                amount_fen=1000,
                currency="CNY",
                notify_url=NOTIFY,
                return_url=RETURN,
            )

    created = run_parallel(create)
    counts = Counter(outcome(r) for r in created)
    assert counts == {"ok": 1, "payment_in_progress": THREADS - 1}
    payment = next(r for r in created if isinstance(r, Payment))

    results = run_parallel(lambda i: notify(tenant, payment)[1].result)
    assert Counter(results) == {"succeeded": 1, "duplicate": THREADS - 1}
    with tenant_context(tenant):
        bill.refresh_from_db()
        assert bill.paid_fen == 1000 and bill.state == Bill.State.PAID and bill.in_flight_fen == 0
        assert LedgerTransfer.objects.filter(tenant=tenant, code="payment").count() == 1
        assert selectors.verify(tenant) == []


def test_parallel_refunds_and_payments_never_over_refund():
    tenant, water, citizen = billing_world()
    bill, first = paid_bill(tenant, water, citizen, lines=[{"item": "x", "quantity": 1, "unit_price_fen": 1000}])

    def act(i):
        with tenant_context(tenant):
            if i % 2 == 0:
                return services.refund_payment(SYSTEM, tenant, first.pk, amount_fen=300, reason=f"r{i}")
            payment = services.create_payment(
                SYSTEM,
                tenant,
                payment_code=bill.payment_code,
                channel="fakepay",
                amount_fen=300,
                currency="CNY",
                notify_url=NOTIFY,
                return_url=RETURN,
            )
        notify(tenant, payment)
        return payment

    results = run_parallel(act)
    for r in results:
        outcome(r)  # any unexpected exception fails here
    with tenant_context(tenant):
        first.refresh_from_db()
        bill.refresh_from_db()
        refunded = sum(r.amount_fen for r in Refund.objects.filter(tenant=tenant, payment=first, state="succeeded"))
        assert refunded == first.refunded_fen <= first.amount_fen
        assert refunded == 900  # three of four refunds of 300 fit in 1000
        succeeded = Payment.objects.filter(tenant=tenant, bill=bill, state="succeeded")
        assert bill.paid_fen == sum(p.amount_fen for p in succeeded)
        assert bill.net_paid_fen <= bill.total_fen
        assert selectors.verify(tenant) == []
