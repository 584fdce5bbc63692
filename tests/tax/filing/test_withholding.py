"""Monthly withholding returns: bad rows reported with nothing filed, the STA worked case month by
month and billed, amendments, a second filing of a period refused."""

import pytest
from django.utils import translation

from smartgov.billing import selectors as billing_selectors
from smartgov.kit import clock
from smartgov.kit.errors import Conflict
from smartgov.tax import computation, selectors
from smartgov.tax.models import WithholdingReturn
from smartgov.tax.services import PayrollRejected
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_tenant
from tests.tax.filing.helpers import at, employee, file, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Reasons are translated; these tests read the English ones.
    with translation.override("en"):
        yield


STA_MONTHLY = [55500, 62500, 185000, 185000, 185000, 185000, 185000, 225000, 370000, 370000, 370000, 370000]


def test_every_bad_row_is_reported_and_nothing_is_filed():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _worker, good = make_worker(tenant)
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    data = payroll_csv(
        [
            employee(good),
            employee(bad_check),
            employee("110105194912310021", wages="-1"),  # valid id number, negative income
            employee("11010519491231002X", other_deductions="13000"),  # pension beyond 12,000 a year
            {**employee("130503197003154512"), "period": "2025-13"},
        ],
        columns=["id_number", "name", "wages", "social_insurance", "special_additional", "other_deductions", "period"],
    )
    with pytest.raises(PayrollRejected) as refused:
        file(tenant, agent, "2025-01", data)
    problems = {(p["row"], p["column"]) for p in refused.value.details}
    assert (3, "id_number") in problems
    assert (4, "wages") in problems
    assert (5, "other_deductions") in problems
    assert (6, "period") in problems
    reasons = " ".join(p["reason"] for p in refused.value.details)
    assert "check character" in reasons and "negative income" in reasons and "malformed period" in reasons
    with tenant_context(tenant):
        assert not WithholdingReturn.objects.filter(tenant=tenant).exists()
        assert not billing_selectors.bills(tenant).exists()


def test_a_deduction_beyond_its_legal_cap_rejects_the_file():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    with pytest.raises(PayrollRejected) as refused:
        file(tenant, agent, "2025-01", payroll_csv([employee(id_number, other_deductions="12000.01")]))
    assert refused.value.details == [
        {"row": 2, "column": "other_deductions", "reason": "beyond the legal cap of 12,000 a year (private pension)"}
    ]


def test_an_unknown_income_kind_is_reported():
    tenant = make_tenant()
    agent = make_agent(tenant)
    data = payroll_csv(
        [{"id_number": "11010519491231002X", "name": "李四", "income_bonus": "100"}],
        columns=["id_number", "name", "income_bonus"],
    )
    with pytest.raises(PayrollRejected) as refused:
        file(tenant, agent, "2025-01", data)
    assert refused.value.details[0]["column"] == "income_bonus"
    assert "unknown income kind" in refused.value.details[0]["reason"]


def test_the_sta_worked_case_month_by_month_across_twelve_uploads_each_billed():
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 1, 5)):
        for month, expected in enumerate(STA_MONTHLY, start=1):
            filed = file(tenant, agent, f"2025-{month:02d}", payroll_csv([employee(id_number)]))
            assert filed.total_withholding == expected, month
            with tenant_context(tenant):
                bill = billing_selectors.bill(tenant, filed.bill_id)
            assert bill.total_fen == expected and bill.payer_id == agent.membership_id
            assert bill.biller.code == "tax-bureau"
    with tenant_context(tenant):
        lines = list(selectors.worker_lines(tenant, worker, 2025))
    assert sum(line.withholding for line in lines) == 2_748_000
    december = next(line for line in lines if line.withholding_return.period == "2025-12")
    assert december.ytd_tax == 2_748_000 and december.months_employed == 12
    assert december.explanation["wages"]["figures"] == {
        "cumulative_taxable": 22_200_000,
        "cumulative_tax": 2_748_000,
        "withholding": 370000,
    }
    full = computation.expand(december.explanation["wages"])
    assert full["consistent"] and {f["key"]: f["value"] for f in full["figures"]}["withholding"] == 370000


def test_a_second_return_for_a_filed_period_is_a_conflict_and_bills_nothing_more():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
    with pytest.raises(Conflict) as refused:
        file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
    assert refused.value.code == "period_already_filed"
    with tenant_context(tenant):
        assert billing_selectors.bills(tenant).count() == 1


def test_an_amended_return_supersedes_and_bills_only_the_increase():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    first = file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
    amended = file(tenant, agent, "2025-01", payroll_csv([employee(id_number, wages="40000")]), amend=True)
    with tenant_context(tenant):
        first.refresh_from_db()
    assert first.status == "superseded" and amended.status == "amended" and amended.supersedes_id == first.pk
    # 40,000 − 5,000 − 4,500 − 2,000 = 28,500 × 3 % = 855
    assert amended.total_withholding == 85500 and amended.billed_amount == 85500 - 55500
    with tenant_context(tenant):
        assert billing_selectors.bill(tenant, amended.bill_id).total_fen == 30000
    # February builds on the amended January, not the superseded one.
    february = file(tenant, agent, "2025-02", payroll_csv([employee(id_number, wages="40000")]))
    assert february.total_withholding == 57000 * 10 - 252000 - 85500


def test_amending_a_period_never_filed_is_refused():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    with pytest.raises(Conflict) as refused:
        file(tenant, agent, "2025-03", payroll_csv([employee(id_number)]), amend=True)
    assert refused.value.code == "nothing_to_amend"


def test_large_payrolls_take_the_vectorised_path_with_the_same_figures():
    from smartgov.tax.services import withholding

    tenant = make_tenant()
    agent = make_agent(tenant)
    import random

    from smartgov.kit import identity

    rng = random.Random(3)
    ids = sorted({identity.fake_resident_id(rng) for _ in range(withholding.VECTOR_THRESHOLD + 20)})
    rows = [
        employee(i, wages=str(rng.randint(0, 90000)), social=str(rng.randint(0, 5000)), additional="0") for i in ids
    ]
    filed = file(tenant, agent, "2025-01", payroll_csv(rows))

    with tenant_context(tenant):
        for line in selectors.lines(tenant, filed):
            scalar = computation.wage_withholding(
                computation.Cumulative(
                    period="2025-01",
                    income=line.wages,
                    months=1,
                    special=line.social_insurance,
                    special_additional=0,
                    other=0,
                    withheld_before=0,
                )
            )
            assert line.withholding == scalar.withholding
            assert line.explanation["wages"] == scalar.explanation


def test_an_xlsx_payroll_with_labour_remuneration_is_withheld_per_payment():
    import io

    from openpyxl import Workbook

    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "劳务报酬", "工资薪金"])
    sheet.append([id_number, "王五", 3000, None])
    buffer = io.BytesIO()
    book.save(buffer)
    with tenant_context(tenant):
        from smartgov.tax import services

        filed = services.file_withholding_return(
            SYSTEM, tenant, agent, period="2025-05", data=buffer.getvalue(), filename="payroll.xlsx"
        )
        line = selectors.lines(tenant, filed).get()
    # (3,000 − 800) × 20 % = 440; no wages, so nothing withheld on wages
    assert (line.labour, line.wage_withholding, line.withholding) == (300000, 0, 44000)
    assert "labour" in line.explanation
