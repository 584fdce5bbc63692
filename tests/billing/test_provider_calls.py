"""No transaction is open while a payment channel answers, and a process that dies between the steps
of a payment or a refund leaves nothing that a retry or the poll task does not finish.

The channel here is the fake one with a probe: at every call it notes whether the database connection
is inside a transaction, and it can die at the call like a SIGKILLed process (``Crash`` is a
``BaseException``: no ``except Exception`` runs, nothing after it happens)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection

from smartgov.accounts import permissions as perms
from smartgov.billing import services, tasks
from smartgov.billing.models import Bill, Payment, Refund
from smartgov.billing.providers.base import Checkout, CheckoutRequest, Notification, RefundResult
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.billing.helpers import billing_world, issue, notify, refresh
from tests.builders import SYSTEM, bearer, make_api_key

pytestmark = pytest.mark.django_db(transaction=True)


class Crash(BaseException):
    """The process dies here."""


class Probe(FakeProvider):
    seen: list[tuple[str, bool]] = []
    crash: str = ""  # "checkout", "after_checkout", "refund": die at the next such call
    during: object = None  # called (with the call's name) while the channel "answers"

    def _answering(self, call: str) -> None:
        Probe.seen.append((call, connection.in_atomic_block))
        if callable(Probe.during):
            Probe.during(call)
        if Probe.crash == call:
            Probe.crash = ""
            raise Crash(call)

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        self._answering("checkout")
        checkout = super().create_checkout(request)
        if Probe.crash == "after_checkout":  # the channel took the order; we never recorded its answer
            Probe.crash = ""
            raise Crash("after_checkout")
        return checkout

    def query(self, out_trade_no: str) -> Notification | None:
        self._answering("query")
        paid = super().query(out_trade_no)
        with self.lock:
            known = self.checkouts.get(out_trade_no)
        if paid is None and known is not None:  # an order the channel holds, not paid yet
            return Notification(out_trade_no, "", "pending", known.amount_fen, known.currency, None)
        return paid

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        self._answering("refund")
        return super().refund(out_trade_no, out_refund_no, amount_fen, currency)


@pytest.fixture(autouse=True)
def probe(settings):
    settings.PAYMENT_PROVIDERS = {"fakepay": {"class": "tests.billing.test_provider_calls.Probe"}}
    Probe.seen, Probe.crash, Probe.during = [], "", None
    yield Probe
    Probe.seen, Probe.crash, Probe.during = [], "", None


@pytest.fixture
def world():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen, lines=[{"item": "水费", "quantity": 1, "unit_price_fen": 1000}])
    _client, key = make_api_key(tenant, [perms.BILLS_ISSUE, perms.BILLS_READ, perms.PAYMENTS_REFUND])
    return tenant, bill, key


def post(client, url, body, key, idem):
    return client.post(
        url, data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=idem, **bearer(key)
    )


def no_tenant_left_on_the_connection() -> bool:
    """On PostgreSQL these views set app.tenant_id for the session: it must be cleared afterwards."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        return cursor.fetchone()[0] in ("", None)


def api(tenant) -> str:
    return f"/api/v1/t/{tenant.slug}/billing"


def pay_body(bill, amount=1000) -> dict:
    return {"payment_code": bill.payment_code, "channel": "fakepay", "amount_fen": amount, "currency": "CNY"}


def test_paying_refunding_polling_and_refunding_an_excess_hold_no_transaction_while_the_channel_answers(
    client, world
):
    tenant, bill, key = world
    r = post(client, f"{api(tenant)}/payments", pay_body(bill, 600), key, "pay-1")
    assert r.status_code == 201, r.content
    payment = r.json()
    assert payment["checkout_url"] and payment["state"] == "created"
    # The payer's page pays the rest the same way.
    page = client.post(f"/{tenant.slug}/bills/code/{bill.payment_code}", {"channel": "fakepay"})
    assert page.status_code == 302 and page["Location"].startswith("https://fakepay.test/")
    with tenant_context(tenant):
        rest = Payment.objects.get(tenant=tenant, amount_fen=400)
    # One payment is heard of by notification, the other only by polling.
    with tenant_context(tenant):
        first = Payment.objects.get(tenant=tenant, pk=payment["id"])
    assert notify(tenant, first)[1].result == "succeeded"
    FakeProvider.paid[rest.out_trade_no] = Notification(rest.out_trade_no, "T2", "succeeded", 400, "CNY", clock.now())
    with clock.frozen_at(clock.now() + timedelta(minutes=5)):
        assert tasks.poll_payments() == {"succeeded": 1}

    r = post(client, f"{api(tenant)}/payments/{payment['id']}/refunds", {"amount_fen": 100, "reason": "x"}, key, "r-1")
    assert r.status_code == 201 and r.json()["state"] == "succeeded", r.content
    # Cancelling the bill refunds the rest: reserved in the cancellation, sent after it committed.
    r = client.post(
        f"{api(tenant)}/bills/{bill.pk}/cancel",
        data=json.dumps({"reason": "issued in error"}),
        content_type="application/json",
        **bearer(key),
    )
    assert r.status_code == 200, r.content
    with tenant_context(tenant):
        assert sorted(Refund.objects.filter(tenant=tenant).values_list("amount_fen", "state")) == [
            (100, "succeeded"), (400, "succeeded"), (500, "succeeded")
        ]

    calls = [call for call, _ in Probe.seen]
    assert calls.count("checkout") == 2 and calls.count("query") == 1 and calls.count("refund") == 3
    assert [(call, in_transaction) for call, in_transaction in Probe.seen if in_transaction] == []
    assert no_tenant_left_on_the_connection()


@pytest.mark.postgres
def test_the_bill_is_not_locked_while_the_channel_answers(client, world):
    """Another connection can take the bill's row lock at once (NOWAIT) during the channel's answer."""
    tenant, bill, key = world
    outcomes: list[str] = []

    def lock_the_bill_elsewhere(call: str) -> None:
        def attempt() -> None:
            try:
                with tenant_context(tenant):
                    Bill.objects.select_for_update(nowait=True).get(tenant=tenant, pk=bill.pk)
                outcomes.append(f"{call}: free")
            except DatabaseError:
                outcomes.append(f"{call}: locked")
            finally:
                connection.close()

        thread = threading.Thread(target=attempt)
        thread.start()
        thread.join(10)

    Probe.during = lock_the_bill_elsewhere
    r = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")
    assert r.status_code == 201, r.content
    with tenant_context(tenant):
        paid = Payment.objects.get(tenant=tenant, pk=r.json()["id"])
    notify(tenant, paid)
    r = post(client, f"{api(tenant)}/payments/{r.json()['id']}/refunds", {"amount_fen": 10, "reason": "x"}, key, "r")
    assert r.status_code == 201, r.content
    assert outcomes == ["checkout: free", "refund: free"]


def test_a_payment_whose_process_died_before_the_channel_answered_is_finished_by_the_retry(client, world):
    tenant, bill, key = world
    Probe.crash = "checkout"
    with pytest.raises(Crash):
        post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")
    assert no_tenant_left_on_the_connection()  # even when the view died
    with tenant_context(tenant):
        left = Payment.objects.get(tenant=tenant)  # committed before the channel was called
        bill.refresh_from_db()
    assert left.state == Payment.State.CREATED and left.checkout_at is None and bill.in_flight_fen == 1000
    # Another payment of the bill must wait: the amount is held.
    r = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-2")
    assert (r.status_code, r.json()["code"]) == (409, "payment_in_progress")

    r = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")  # the client retries
    assert r.status_code == 201, r.content
    assert r.json()["id"] == str(left.pk) and r.json()["checkout_url"].startswith("https://fakepay.test/")
    again = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")
    assert again.json() == r.json()
    with tenant_context(tenant):
        assert Payment.objects.filter(tenant=tenant).count() == 1
        assert Payment.objects.get(tenant=tenant).checkout_at is not None


@pytest.mark.parametrize(
    ("crash", "first_poll", "second_poll"),
    [
        # The channel never heard of the order: given up at the first poll, the bill free again.
        ("checkout", {"abandoned": 1}, {}),
        # The channel holds the order but we never recorded its answer: it expires like any other.
        ("after_checkout", {"waiting": 1}, {"expired": 1}),
    ],
)
def test_a_payment_left_behind_by_a_dead_process_is_released_by_the_poll_task(
    client, world, crash, first_poll, second_poll
):
    tenant, bill, key = world
    Probe.crash = crash
    with pytest.raises(Crash):
        post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")
    with tenant_context(tenant):
        left = Payment.objects.get(tenant=tenant)
    assert tasks.poll_payments() == {}  # too young to poll: its request may still be under way
    with clock.frozen_at(left.created_at + timedelta(minutes=3)):
        assert tasks.poll_payments() == first_poll
    with clock.frozen_at(left.expires_at + timedelta(seconds=1)):
        assert tasks.poll_payments() == second_poll
    refresh(tenant, left, bill)
    assert left.state in (Payment.State.FAILED, Payment.State.EXPIRED) and bill.in_flight_fen == 0
    r = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-2")
    assert r.status_code == 201 and r.json()["checkout_url"], r.content
    r = post(client, f"{api(tenant)}/payments", pay_body(bill), key, "pay-1")  # a very late retry
    assert (r.status_code, r.json()["code"]) == (409, "payment_abandoned")


def test_a_refund_whose_process_died_keeps_its_reservation_and_is_finished_by_the_retry_or_the_poll(client, world):
    tenant, bill, key = world
    payment = services.create_payment(
        SYSTEM, tenant, payment_code=bill.payment_code, channel="fakepay", amount_fen=1000, currency="CNY",
        notify_url="https://gov.test/notify", return_url="https://gov.test/back",
    )
    notify(tenant, payment)
    refresh(tenant, payment)
    url = f"{api(tenant)}/payments/{payment.pk}/refunds"
    Probe.crash = "refund"
    with pytest.raises(Crash):
        post(client, url, {"amount_fen": 700, "reason": "x"}, key, "r-1")
    refresh(tenant, payment)
    assert payment.refund_reserved_fen == 700 and payment.refunded_fen == 0
    # The reservation stands while the channel's answer is unknown: no second refund can overdraw it.
    r = post(client, url, {"amount_fen": 301, "reason": "y"}, key, "r-2")
    assert (r.status_code, r.json()["code"]) == (422, "refund_exceeds_available")
    r = post(client, url, {"amount_fen": 700, "reason": "x"}, key, "r-1")  # the retry finishes it
    assert r.status_code == 201 and r.json()["state"] == "succeeded", r.content

    Probe.crash = "refund"  # and without a retry, the poll task does
    with pytest.raises(Crash):
        post(client, url, {"amount_fen": 300, "reason": "z"}, key, "r-3")
    assert tasks.poll_payments() == {}  # a refund just asked for may still be under way
    with clock.frozen_at(clock.now() + timedelta(minutes=2)):
        assert tasks.poll_payments() == {"refund_succeeded": 1}
    refresh(tenant, payment)
    assert payment.refunded_fen == payment.refund_reserved_fen == 1000
    with tenant_context(tenant):
        assert list(Refund.objects.filter(tenant=tenant).values_list("state", flat=True)) == ["succeeded"] * 2
