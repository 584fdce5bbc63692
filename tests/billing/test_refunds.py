"""Refunds: partial and full, never beyond what was paid, booked through a two-phase payout."""

import pytest

from smartgov.billing import selectors, services
from smartgov.billing.models import Bill, LedgerAccount, LedgerTransfer, Refund
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.billing.helpers import billing_world, issue, paid_bill, pay, refresh
from tests.builders import SYSTEM

pytestmark = pytest.mark.django_db


def refund(tenant, payment, amount, **kw):
    with tenant_context(tenant):
        return services.refund_payment(SYSTEM, tenant, payment.pk, amount_fen=amount, reason="test", **kw)


def test_partial_then_full_refund_and_never_more():
    tenant, water, citizen = billing_world()
    bill, payment = paid_bill(tenant, water, citizen, lines=[{"item": "x", "quantity": 1, "unit_price_fen": 1000}])
    first = refund(tenant, payment, 300)
    assert first.state == Refund.State.SUCCEEDED
    refresh(tenant, payment)
    refresh(tenant, bill)
    assert payment.refund_amount_available == 700
    assert bill.net_paid_fen == 700 and bill.state in (Bill.State.PARTLY_PAID, Bill.State.OVERDUE)
    for bad in (701, 0, -1, 1.5, "5", True):
        with pytest.raises(InvalidInput) as err:
            refund(tenant, payment, bad)
        assert err.value.details[0]["field"] == "amount_fen"
    with pytest.raises(Conflict) as conflict:
        refund(tenant, payment, 100, expected_available_fen=1000)  # someone refunded in between
    assert conflict.value.code == "refund_amount_available_mismatch"
    refund(tenant, payment, 700, expected_available_fen=700)
    refresh(tenant, payment)
    assert payment.refund_amount_available == 0 and payment.refunded_fen == 1000
    with tenant_context(tenant):
        assert selectors.verify(tenant) == []
        clearing = LedgerAccount.objects.get(tenant=tenant, code="clearing:fakepay")
        assert clearing.debits_posted == clearing.credits_posted == 1000


def test_only_succeeded_payments_can_be_refunded():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    with pytest.raises(Conflict):
        refund(tenant, payment, 1)


def test_a_refused_refund_voids_the_payout_and_frees_the_amount():
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    FakeProvider.refund_status = "failed"
    r = refund(tenant, payment, 100)
    assert r.state == Refund.State.FAILED
    refresh(tenant, payment)
    assert payment.refund_amount_available == payment.amount_fen and payment.refunded_fen == 0
    with tenant_context(tenant):
        phases = list(
            LedgerTransfer.objects.filter(tenant=tenant, refs__refund=str(r.pk)).values_list("phase", flat=True)
        )
        assert sorted(phases) == ["pending", "single", "single", "void_pending"]
        assert selectors.verify(tenant) == []


def test_a_pending_refund_holds_its_amount_until_the_channel_answers():
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    FakeProvider.refund_status = "pending"
    r = refund(tenant, payment, 100)
    refresh(tenant, payment)
    assert r.state == Refund.State.PENDING and payment.refund_amount_available == payment.amount_fen - 100
    FakeProvider.refund_status = "succeeded"
    with tenant_context(tenant):
        assert services.retry_pending_refund(tenant, r.pk) == Refund.State.SUCCEEDED
        assert services.retry_pending_refund(tenant, r.pk) == Refund.State.SUCCEEDED
        refresh(tenant, payment)
        assert payment.refunded_fen == 100
        assert selectors.verify(tenant) == []
