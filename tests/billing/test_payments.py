"""Payments: creation checks, notifications verified and applied exactly once, polling and expiry."""

from datetime import timedelta

import pytest

from smartgov.audit.models import AuditEvent
from smartgov.billing import selectors, services
from smartgov.billing.models import Bill, LedgerTransfer, Payment
from smartgov.billing.providers.base import Notification
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, DomainError, InvalidInput, NotFound
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.billing.helpers import billing_world, issue, notify, paid_bill, pay, refresh
from tests.builders import SYSTEM

pytestmark = pytest.mark.django_db


def _refused(tenant, bill, **changes):
    args = {"payment_code": bill.payment_code, "channel": "fakepay", "amount_fen": 100, "currency": "CNY"} | changes
    with tenant_context(tenant):
        try:
            services.create_payment(SYSTEM, tenant, notify_url="https://n", return_url="https://r", **args)
        except DomainError as exc:
            return exc
    raise AssertionError("the payment was accepted")


def test_bad_payment_requests_are_refused_naming_the_field_and_change_nothing():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    cases = {
        "amount_fen": [0, -1, 1.5, "100", True, None, bill.total_fen + 1],
        "currency": ["USD", None],
        "channel": ["nope", "", None],
        "payment_code": ["123", bill.payment_code[:-1] + str((int(bill.payment_code[-1]) + 1) % 10), None],
    }
    for field, values in cases.items():
        for value in values:
            exc = _refused(tenant, bill, **{field: value})
            assert isinstance(exc, InvalidInput), (field, value, exc)
            assert exc.details[0]["field"] == field, (field, value, exc.details)
    unknown = "1" * 19
    from smartgov.billing import paycode

    exc = _refused(tenant, bill, payment_code=unknown + paycode.luhn_digit(unknown))
    assert isinstance(exc, NotFound) and exc.code == "unknown_payment_code"
    with tenant_context(tenant):
        assert not Payment.objects.filter(tenant=tenant).exists()
        refresh(tenant, bill)
        assert bill.in_flight_fen == 0


def test_paid_bills_and_payments_in_progress_are_conflicts():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    assert payment.checkout_url.startswith("https://fakepay.test/checkout/")
    assert payment.out_trade_no.startswith(bill.payment_code + "-")
    assert _refused(tenant, bill).code == "payment_in_progress"
    notify(tenant, payment)
    assert _refused(tenant, bill).code == "bill_already_paid"


def test_a_notification_is_applied_once_however_often_it_comes():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    results = [notify(tenant, payment) for _ in range(3)]
    assert [r[1].result for r in results] == ["succeeded", "duplicate", "duplicate"]
    assert all(ack.body == b"success" for ack, _ in results)
    with tenant_context(tenant):
        refresh(tenant, bill)
        assert bill.state == Bill.State.PAID and bill.paid_fen == bill.total_fen and bill.in_flight_fen == 0
        assert LedgerTransfer.objects.filter(tenant=tenant, code="payment").count() == 1
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.payment_succeeded").count() == 1
        # A "closed" arriving after the success (out of order) changes nothing either.
        ack, outcome = notify(tenant, payment, status="closed")
        assert outcome.result == "ignored" and ack.body == b"success"
        refresh(tenant, payment)
        assert payment.state == Payment.State.SUCCEEDED
        assert selectors.verify(tenant) == []


def test_forged_or_mismatched_notifications_change_nothing():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    for kwargs, result in [
        ({"forge": True}, "forged"),
        ({"amount": payment.amount_fen - 1}, "mismatch"),
        ({"currency": "USD"}, "mismatch"),
    ]:
        ack, outcome = notify(tenant, payment, **kwargs)
        assert (outcome.result, outcome.accepted, outcome.status, ack.body) == (result, False, 400, b"fail")
    with tenant_context(tenant):
        ack, outcome = services.handle_notification(
            tenant, "fakepay", FakeProvider.notification_body("99999-x", 5), "application/json", {}
        )
        assert outcome.result == "unknown" and outcome.status == 404
        refresh(tenant, payment)
        refresh(tenant, bill)
        assert payment.state == Payment.State.CREATED and bill.paid_fen == 0
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.notification_rejected").count() == 2


def test_a_failed_payment_releases_the_bill():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    _ack, outcome = notify(tenant, payment, status="failed")
    assert outcome.result == "failed"
    refresh(tenant, bill)
    assert bill.in_flight_fen == 0 and bill.payable_fen == bill.total_fen
    assert pay(tenant, bill).state == Payment.State.CREATED


def test_silent_payments_are_polled_then_expire():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    quiet = pay(tenant, bill, 100)
    heard = pay(tenant, bill, 200)
    FakeProvider.paid[heard.out_trade_no] = Notification(heard.out_trade_no, "T9", "succeeded", 200, "CNY", clock.now())
    later = clock.now() + timedelta(minutes=5)
    with tenant_context(tenant), clock.frozen_at(later):
        assert services.poll_stale_payments(tenant) == {"waiting": 1, "succeeded": 1}
    with tenant_context(tenant), clock.frozen_at(later + timedelta(hours=1)):
        assert services.poll_stale_payments(tenant) == {"expired": 1}
        assert services.poll_stale_payments(tenant) == {}
    refresh(tenant, quiet)
    refresh(tenant, bill)
    assert quiet.state == Payment.State.EXPIRED and bill.in_flight_fen == 0 and bill.paid_fen == 200
    with tenant_context(tenant):
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.payment_expired").count() == 1


def test_a_late_success_after_another_payment_paid_the_bill_is_booked_and_refunded(django_capture_on_commit_callbacks):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    first = pay(tenant, bill)
    with tenant_context(tenant), clock.frozen_at(clock.now() + timedelta(hours=1)):
        services.poll_stale_payments(tenant)  # expires the first attempt
    second = pay(tenant, bill)
    notify(tenant, second)
    with django_capture_on_commit_callbacks(execute=True):  # the refund goes to the channel after commit
        notify(tenant, first)  # the channel took the money after all
    with tenant_context(tenant):
        refresh(tenant, first)
        refresh(tenant, bill)
        assert first.state == Payment.State.SUCCEEDED and first.refunded_fen == first.amount_fen
        assert bill.net_paid_fen == bill.total_fen and bill.state == Bill.State.PAID
        assert selectors.verify(tenant) == []


def test_a_channel_outage_leaves_nothing_behind():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    FakeProvider.fail_checkout = True
    exc = _refused(tenant, bill)
    assert exc.status == 502 and exc.code == "provider_unavailable"
    refresh(tenant, bill)
    assert bill.in_flight_fen == 0


def test_already_paid_conflict_for_paid_bill():
    tenant, water, citizen = billing_world()
    bill, _payment = paid_bill(tenant, water, citizen)
    assert isinstance(_refused(tenant, bill), Conflict)
