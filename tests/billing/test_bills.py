"""Issuing, correcting, cancelling bills; payment codes; late charges."""

from datetime import UTC, date, datetime

import pytest

from smartgov.audit.models import AuditEvent
from smartgov.billing import paycode, selectors, services
from smartgov.billing.models import Bill, BillLine, LedgerAccount, Refund
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue, notify, paid_bill, pay, refresh
from tests.builders import SYSTEM, make_citizen, make_department, make_tenant

pytestmark = pytest.mark.django_db


def test_payment_codes_carry_a_luhn_check_digit():
    code = paycode.new_code()
    assert len(code) == 20 and code.isdigit() and paycode.is_valid(code)
    assert paycode.is_valid(paycode.grouped(code))
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not paycode.is_valid(wrong)
    # Luhn catches every swap of neighbours except 09 <-> 90 (its documented blind spot).
    for i in range(len(code) - 2):
        a, b = code[i], code[i + 1]
        swapped = code[:i] + b + a + code[i + 2 :]
        if a != b and {a, b} != {"0", "9"}:
            assert not paycode.is_valid(swapped), (code, i)
    assert paycode.luhn_digit("7992739871") == "3"  # the textbook example


def test_issue_books_receivable_against_revenue_and_audits():
    tenant, water, citizen = billing_world()
    bill = issue(
        tenant,
        water,
        citizen,
        lines=[
            {"item": "水费", "quantity": "12.5", "unit_price_fen": 345},  # 4312.5 -> 4313 (half up)
            {"item": "污水处理费", "quantity": 12, "unit_price_fen": 95},
        ],
    )
    assert bill.total_fen == 4313 + 1140 and bill.state == Bill.State.ISSUED
    assert bill.payer_name_masked == "张*"
    with tenant_context(tenant):
        accounts = {a.code: a for a in LedgerAccount.objects.filter(tenant=tenant)}
        assert accounts["receivable:water"].debits_posted == bill.total_fen
        assert accounts["revenue:water"].credits_posted == bill.total_fen
        assert (
            AuditEvent.objects.filter(tenant=tenant, action="billing.bill_issued", object_id=str(bill.pk)).count() == 1
        )
        assert selectors.verify(tenant) == []


def test_issue_is_idempotent_per_source_and_checks_input():
    tenant, water, citizen = billing_world()
    first = issue(tenant, water, citizen, source_type="case", source_id="C-1")
    again = issue(tenant, water, citizen, source_type="case", source_id="C-1")
    assert again.pk == first.pk
    bad_lines = [
        ([], "lines"),
        ([{"item": "", "quantity": 1, "unit_price_fen": 1}], "lines.0.item"),
        ([{"item": "x", "quantity": 0, "unit_price_fen": 1}], "lines.0.quantity"),
        ([{"item": "x", "quantity": 1.5, "unit_price_fen": 1}], "lines.0.quantity"),
        ([{"item": "x", "quantity": 1, "unit_price_fen": -5}], "lines.0.unit_price_fen"),
        ([{"item": "x", "quantity": 1, "unit_price_fen": 2.5}], "lines.0.unit_price_fen"),
        ([{"item": "x", "quantity": 1, "unit_price_fen": True}], "lines.0.unit_price_fen"),
    ]
    for lines, field in bad_lines:
        with pytest.raises(InvalidInput) as err:
            issue(tenant, water, citizen, lines=lines)
        assert err.value.details[0]["field"] == field
    other = make_tenant()
    with pytest.raises(InvalidInput) as err:
        issue(tenant, make_department(other, "water"), citizen)
    assert err.value.details[0]["field"] == "biller"
    with pytest.raises(InvalidInput) as err:
        issue(tenant, water, make_citizen(other))
    assert err.value.details[0]["field"] == "payer"
    with tenant_context(tenant):
        assert Bill.objects.filter(tenant=tenant).count() == 1


def test_states_follow_payments_and_bill_status_tells_other_apps(django_capture_on_commit_callbacks):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen, lines=[{"item": "x", "quantity": 1, "unit_price_fen": 1000}])
    seen = []
    services.bill_paid.connect(lambda **kw: seen.append(kw["bill_id"]), weak=False, dispatch_uid="t1")
    try:
        p1 = pay(tenant, bill, 400)
        notify(tenant, p1)
        with tenant_context(tenant):
            status = selectors.bill_status(tenant, bill.pk)
        assert status.state == Bill.State.PARTLY_PAID and status.outstanding_fen == 600 and not status.is_paid
        p2 = pay(tenant, bill, 600)
        with django_capture_on_commit_callbacks(execute=True):
            notify(tenant, p2)
            notify(tenant, p2)  # a repeat is not a second "paid"
        with tenant_context(tenant):
            status = selectors.bill_status(tenant, bill.pk)
        assert status.is_paid and status.paid_fen == 1000 and status.paid_at is not None
    finally:
        services.bill_paid.disconnect(dispatch_uid="t1")
    assert seen == [bill.pk]


def test_credit_note_corrects_and_refunds_overpayment(django_capture_on_commit_callbacks):
    tenant, water, citizen = billing_world()
    bill, payment = paid_bill(tenant, water, citizen, lines=[{"item": "x", "quantity": 1, "unit_price_fen": 1000}])
    with tenant_context(tenant):
        with django_capture_on_commit_callbacks(execute=True):
            services.add_credit_note(SYSTEM, tenant, bill, amount_fen=300, reason="meter misread")
            # Reserved in the credit note's transaction; the channel is asked only after it commits.
            assert Refund.objects.get(tenant=tenant, payment=payment).state == Refund.State.PENDING
        assert Refund.objects.get(tenant=tenant, payment=payment).state == Refund.State.SUCCEEDED
        refresh(tenant, bill)
        refresh(tenant, payment)
        assert bill.total_fen == 700 and bill.net_paid_fen == 700 and bill.state == Bill.State.PAID
        assert payment.refunded_fen == 300 and payment.refund_amount_available == 700
        with pytest.raises(InvalidInput) as err:
            services.add_credit_note(SYSTEM, tenant, bill, amount_fen=701, reason="too much")
        assert err.value.details[0]["field"] == "amount_fen"
        assert selectors.verify(tenant) == []


def test_cancelling_a_paid_bill_refunds_it(django_capture_on_commit_callbacks):
    tenant, water, citizen = billing_world()
    bill, payment = paid_bill(tenant, water, citizen)
    with tenant_context(tenant):
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel_bill(SYSTEM, tenant, bill, reason="issued in error")
        refresh(tenant, bill)
        refresh(tenant, payment)
        assert bill.state == Bill.State.CANCELLED and bill.total_fen == 0 and bill.net_paid_fen == 0
        assert payment.refunded_fen == payment.amount_fen and payment.refund_amount_available == 0
        with pytest.raises(Conflict):
            services.cancel_bill(SYSTEM, tenant, bill, reason="again")
        balances = {a.code: a for a in LedgerAccount.objects.filter(tenant=tenant)}
        receivable = balances["receivable:water"]
        assert receivable.debits_posted == receivable.credits_posted  # nothing owed either way
        clearing = balances["clearing:fakepay"]
        assert clearing.debits_posted == clearing.credits_posted  # the money went back
        assert selectors.verify(tenant) == []


def test_late_charges_accrue_once_a_day_as_their_own_lines():
    tenant, tax = make_tenant(), None
    tax = make_department(tenant, "tax")
    citizen = make_citizen(tenant)
    bill = issue(
        tenant,
        tax,
        citizen,
        lines=[{"item": "个人所得税", "quantity": 1, "unit_price_fen": 1_000_000}],
        due=date(2026, 3, 1),
    )
    with tenant_context(tenant):
        services.set_late_charge_rule(SYSTEM, tenant, tax, rate_ppm=500)  # 0.05 % a day
        with clock.frozen_at(datetime(2026, 3, 3, 4, 0, tzinfo=UTC)):
            assert services.accrue_late_charges(SYSTEM, tenant) == 1
            assert services.accrue_late_charges(SYSTEM, tenant) == 0  # same day: nothing new
        with clock.frozen_at(datetime(2026, 3, 4, 4, 0, tzinfo=UTC)):
            assert services.accrue_late_charges(SYSTEM, tenant) == 1
        refresh(tenant, bill)
        late = list(BillLine.objects.filter(bill=bill, kind=BillLine.Kind.LATE_CHARGE))
        assert [line.amount_fen for line in late] == [500, 500]  # never on earlier late charges
        assert bill.state == Bill.State.OVERDUE and bill.total_fen == 1_001_000
        income = LedgerAccount.objects.get(tenant=tenant, code="late_charge_income:tax")
        assert income.credits_posted == 1000
        assert selectors.verify(tenant) == []


def test_mark_overdue_updates_unpaid_bills_past_due():
    tenant, water, citizen = billing_world()
    with clock.frozen_at(datetime(2025, 12, 1, tzinfo=UTC)):
        old = issue(tenant, water, citizen, due=date(2026, 1, 1))
        fresh = issue(tenant, water, citizen, due=date(2027, 1, 1))
    assert old.state == Bill.State.ISSUED
    with tenant_context(tenant), clock.frozen_at(datetime(2026, 2, 1, tzinfo=UTC)):
        assert services.mark_overdue(SYSTEM, tenant) == 1
    refresh(tenant, old)
    refresh(tenant, fresh)
    assert old.state == Bill.State.OVERDUE and fresh.state == Bill.State.ISSUED
