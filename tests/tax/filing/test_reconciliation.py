"""The annual reconciliation: pre-filled from every employer, refund booked through billing's ledger,
an amount due billed, the exemptions applied, the window enforced."""

import pytest

from smartgov.billing import selectors as billing_selectors
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tax import computation, selectors, services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_tenant
from tests.tax.filing.helpers import at, employee, file, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db


def test_a_late_declaration_gives_a_refund_booked_for_payout():
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 4, 1)):
        for month in (1, 2):
            file(tenant, agent, f"2025-{month:02d}", payroll_csv([employee(id_number, additional="0")]))
        with tenant_context(tenant):
            services.declare_deduction(
                SYSTEM, tenant, worker, year=2025, kind="housing_rent", details={"city_tier": "1"}
            )
            prefill, preview = services.compute_reconciliation(tenant, worker, 2025)
            assert preview.prepaid == 61500 + 96500 and preview.tax == 0 and preview.result == "refund"
            filed = services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
            assert filed.balance == -158000 and filed.refund_reference and filed.bill_id is None
            assert [e.uscc for e in prefill.employers] == [agent.uscc]
            payable = billing_selectors.ledger_accounts(tenant).get(code="refunds_payable")
            assert payable.credits_pending == 158000


def test_the_treasury_payout_posts_the_refund_once_and_the_books_balance():
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 4, 1)):
        for month in (1, 2):
            file(tenant, agent, f"2025-{month:02d}", payroll_csv([employee(id_number, additional="0")]))
        with tenant_context(tenant):
            services.declare_deduction(
                SYSTEM, tenant, worker, year=2025, kind="housing_rent", details={"city_tier": "1"}
            )
            filed = services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
            with pytest.raises(InvalidInput):
                services.confirm_refund_paid(SYSTEM, tenant, filed, bank_reference=" ")
            paid = services.confirm_refund_paid(SYSTEM, tenant, filed, bank_reference="ICBC-20260402-0001")
            assert paid.refund_paid_at is not None and paid.refund_bank_reference == "ICBC-20260402-0001"
            accounts = {a.code: a for a in billing_selectors.ledger_accounts(tenant)}
            payable, bank = accounts["refunds_payable"], accounts["bank:settlement"]
            # Reserved, then posted and paid out of the bank: nothing pending, nothing left payable.
            assert (payable.credits_pending, payable.credits_posted, payable.debits_posted) == (0, 158000, 158000)
            assert bank.credits_posted == 158000
            with pytest.raises(Conflict) as again:
                services.confirm_refund_paid(SYSTEM, tenant, paid, bank_reference="ICBC-20260402-0001")
            assert again.value.code == "refund_already_paid"
            assert selectors.reconciliation_by_reference(tenant, paid.reference) == paid
    from django.core.management import call_command

    call_command("ledger", "verify", "--tenant", tenant.slug)  # raises SystemExit on an unbalanced book


def test_income_from_two_employers_leaves_tax_due_which_is_billed():
    tenant = make_tenant()
    first, second = make_agent(tenant, name="甲公司"), make_agent(tenant, name="乙公司")
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 4, 1)):
        for agent in (first, second):
            file(
                tenant, agent, "2025-01", payroll_csv([employee(id_number, wages="300000", social="0", additional="0")])
            )
        with tenant_context(tenant):
            filed = services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
            # each withheld 295,000 × 20 % − 16,920 = 42,080; the year: 540,000 × 30 % − 52,920 = 109,080
            assert filed.prepaid == 2 * 4_208_000 and filed.annual_tax == 10_908_000
            assert filed.result == "due" and filed.balance == 2_492_000
            bill = billing_selectors.bill(tenant, filed.bill_id)
            assert bill.total_fen == 2_492_000 and bill.payer_id == worker.pk


def test_filing_twice_or_outside_the_window_is_refused():
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 2, 27)):
        file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
        with tenant_context(tenant), pytest.raises(services.ReconciliationClosed) as closed:
            services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
    assert "2026-03-01" in closed.value.message
    with clock.frozen_at(at(2026, 6, 30)), tenant_context(tenant):
        services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
        with pytest.raises(Conflict) as again:
            services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
    assert again.value.code == "already_reconciled"
    with clock.frozen_at(at(2026, 7, 1)), tenant_context(tenant):
        assert selectors.filed_reconciliation(tenant, worker, 2025) is not None


@pytest.mark.parametrize(
    ("wages", "prepaid", "expected"),
    [
        (11_000_000, 0, "exempt"),  # income ≤ 120,000 with tax due
        (20_000_000, 1_120_000, "exempt"),  # 280 due (≤ 400) on higher income
        (20_000_000, 1_000_000, "due"),
        (20_000_000, 1_148_000, "nil"),
        (20_000_000, 1_200_000, "refund"),
    ],
)
def test_the_filing_exemptions(wages, prepaid, expected):
    # 200,000 − 60,000 = 140,000 × 10 % − 2,520 = 11,480 of tax
    employer = selectors.EmployerFigures(uscc="A", name="甲公司", months=12, wages=wages, withheld=prepaid)
    result = computation.annual_reconciliation(2025, [employer])
    assert result.result == expected


def test_a_deduction_beyond_its_cap_is_refused():
    tenant = make_tenant()
    worker, _ = make_worker(tenant)
    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.declare_deduction(
            SYSTEM,
            tenant,
            worker,
            year=2025,
            kind="elderly_support",
            details={"only_child": False, "monthly_share": "2000"},
        )
    assert refused.value.code == "deduction_beyond_cap"
