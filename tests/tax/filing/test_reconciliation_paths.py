"""One reconciliation, two ways in: the app's path (payroll returns filed, declarations made on the
portal, the pre-fill gathered from the database, the rules core called through ``computation``) and
the rules core called directly on the same figures give the same result, and what the worker is
shown is the rules core's own trace."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.tax import rules, services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_tenant
from tests.tax.filing.helpers import COLUMNS, at, employee, file, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db

Y = 100
KINDS = {"labour": "labour_remuneration", "authors": "author_remuneration", "royalties": "royalties"}

line = st.fixed_dictionaries(
    {
        "wages": st.integers(0, 6_000_000),
        "labour": st.sampled_from([0, 0, 300_000, 1_200_000]),
        "authors": st.sampled_from([0, 0, 500_000]),
        "royalties": st.sampled_from([0, 0, 450_000]),
        "social": st.integers(0, 450_000),
        "additional": st.sampled_from([0, 100_000, 200_000]),
        "other": st.sampled_from([0, 100_000, 300_000]),
    }
)
# Each employer: its payroll lines for one to three consecutive months of 2025.
employers = st.lists(st.lists(line, min_size=1, max_size=3), min_size=1, max_size=3)
# What a worker declares on the portal (amounts in yuan, city tiers 1–3, as the form sends them) ...
DECLARATIONS = [
    [],
    [("housing_rent", {"city_tier": "2"})],
    [("child_education", {"children": "1", "share_percent": "50"}), ("serious_illness", {"out_of_pocket": "40000"})],
    [("private_pension", {"contributions": "2000"}), ("elderly_support", {"only_child": True})],
]
# ... and the same declarations as the rules core's input, written out by hand.
EXPECTED_DECLARED = {
    0: ({}, 0, 0),
    1: ({"housing_rent": 13_200 * Y, "rent_city_tier": "large"}, 0, 0),
    2: ({"children_education": 12_000 * Y, "children": 1}, 40_000 * Y, 0),
    3: ({"elderly_support": 36_000 * Y, "elderly_only_child": True}, 0, 2_000 * Y),
}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(employers=employers, choice=st.integers(0, 3))
def test_the_app_path_and_the_rules_path_give_the_same_figures(employers, choice):
    tenant = make_tenant()
    worker, id_number = make_worker(tenant)
    declared = DECLARATIONS[choice]
    inputs = []
    with clock.frozen_at(at(2026, 4, 1)):
        with tenant_context(tenant):
            for kind, details in declared:
                services.declare_deduction(SYSTEM, tenant, worker, year=2025, kind=kind, details=details)
        for n, lines in enumerate(employers):
            agent = make_agent(tenant, name=f"公司{n}")
            withheld = 0
            for month, x in enumerate(lines, start=1):
                row = employee(
                    id_number,
                    wages=yuan(x["wages"]),
                    social=yuan(min(x["social"], x["wages"])),
                    additional=yuan(x["additional"]),
                    labour=yuan(x["labour"]),
                    authors=yuan(x["authors"]),
                    royalties=yuan(x["royalties"]),
                    other_deductions=yuan(x["other"]),
                )
                withheld += file(tenant, agent, f"2025-{month:02d}", payroll_csv([row], COLUMNS)).total_withholding
            total = {k: sum(x[k] for x in lines) for k in lines[0]}
            social = sum(min(x["social"], x["wages"]) for x in lines)
            inputs.append((agent.uscc, total, social, withheld))

        with tenant_context(tenant):
            _prefill, app = services.compute_reconciliation(tenant, worker, 2025)

    sad, illness, pension = EXPECTED_DECLARED[choice]
    direct = rules.annual_reconciliation(
        rules.AnnualReturn(
            year=2025,
            employers=[
                rules.EmployerIncome(
                    uscc,
                    wages=t["wages"],
                    withheld=withheld,
                    special_deductions=social,
                    special_additional=t["additional"],
                    other_deductions=rules.OtherDeductions(private_pension=t["other"]),
                )
                for uscc, t, social, withheld in sorted(inputs, key=lambda i: i[0])
            ],
            payments=[
                rules.PaymentIncome(KINDS[k], t[k]) for _uscc, t, _social, _withheld in inputs for k in KINDS if t[k]
            ],
            special_additional=rules.SpecialAdditional(months=12, **sad),
            serious_illness_expense=illness,
            other_deductions=rules.OtherDeductions(private_pension=pension),
        )
    )
    assert (app.income, app.deductions, app.taxable, app.tax, app.prepaid, app.balance) == (
        direct.comprehensive_income,
        direct.deductions,
        direct.taxable,
        direct.total_tax,
        direct.prepaid,
        direct.balance,
    )
    assert app.result == {"refund": "refund", "settled": "nil"}.get(
        direct.outcome, "due" if direct.filing_required else "exempt"
    )
    assert app.explanation == direct.trace.as_dict()


def test_the_worker_is_shown_the_rules_cores_trace(client):
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 4, 1)):
        file(tenant, agent, "2025-01", payroll_csv([employee(id_number, additional="3000")]))
        with tenant_context(tenant):
            services.declare_deduction(
                SYSTEM, tenant, worker, year=2025, kind="housing_rent", details={"city_tier": "1"}
            )
            _prefill, preview = services.compute_reconciliation(tenant, worker, 2025)
            filed = services.file_reconciliation(SYSTEM, tenant, worker, year=2025)
        client.force_login(worker.user)
        page = client.get(f"/{tenant.slug}/tax/reconciliation/2025", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        api = client.get(f"/api/v1/t/{tenant.slug}/tax/me/reconciliation/2025").json()
    assert preview.explanation["rule"] == "annual_reconciliation"
    assert filed.explanation == preview.explanation == api["explanation"]
    figures = {f["key"]: f for f in filed.explanation["figures"]}
    # The declaration for the year (rent, 18,000) replaced the 3,000 the employer applied, and says so.
    assert figures["special_additional_applied"]["value"] == 3_000 * Y
    assert figures["special_additional"]["value"] == 18_000 * Y
    assert "取代" in figures["special_additional"]["note"]["zh-Hans"]
    # The page renders the core's labels and formulas, parameters by their legal names.
    for text in ("年度申报的专项附加扣除", "扣缴单位已扣除的专项附加扣除", "基本减除费用（每年）", "综合所得收入额"):
        assert text in page


def test_a_declaration_that_repeats_another_is_refused_in_the_apps_words():
    tenant = make_tenant()
    worker, _id_number = make_worker(tenant)
    with tenant_context(tenant):
        first = services.declare_deduction(
            SYSTEM, tenant, worker, year=2025, kind="housing_rent", details={"city_tier": "3", "months": "12"}
        )
        assert first.annual_amount == 9_600 * Y and first.explanation["rule"] == "declaration_amount"
        with pytest.raises(InvalidInput) as twice:
            services.declare_deduction(
                SYSTEM, tenant, worker, year=2025, kind="housing_rent", details={"city_tier": "3"}
            )
        with pytest.raises(InvalidInput) as malformed:
            services.declare_deduction(SYSTEM, tenant, worker, year=2025, kind="housing_loan", details={"months": "x"})
    assert twice.value.code == "deduction_beyond_cap"
    assert twice.value.details[0]["field"] == "special_additional.housing_rent"
    assert (malformed.value.code, malformed.value.details[0]["field"]) == ("invalid_input", "months")
