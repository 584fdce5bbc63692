"""Individual income tax rules: the STA's worked case and cases derived from the law, in fen."""

import pytest

from smartgov.kit.errors import InvalidInput
from smartgov.tax.rules import (
    AnnualReturn,
    Bonus,
    EmployerIncome,
    OtherDeductions,
    PaymentIncome,
    SpecialAdditional,
    WagesMonth,
    WagesYearToDate,
    annual_reconciliation,
    annual_tax,
    bonus_separate_tax,
    param,
    withhold_author_remuneration,
    withhold_labour_remuneration,
    withhold_royalties,
    withhold_wages_month,
    withhold_wages_year,
)

Y = 100  # fen per yuan


def sad(children_education=0, **kw):
    return SpecialAdditional(children_education=children_education, children=1 if children_education else 0, **kw)


def constant_year(year, salary, social, additional=0, months=range(1, 13)):
    return withhold_wages_year(
        year,
        [
            WagesMonth(month=m, income=salary, special_deductions=social, special_additional=sad(additional))
            for m in months
        ],
    )


def test_the_sta_worked_case_to_the_fen():
    # STA's example: salary 30,000 a month, social insurance + housing fund 4,500, special additional 2,000.
    year = constant_year(2024, 30_000 * Y, 4_500 * Y, 2_000 * Y)
    expected = [555, 625, 1850, 1850, 1850, 1850, 1850, 2250, 3700, 3700, 3700, 3700]
    assert [m.withholding for m in year.months] == [x * Y for x in expected]
    assert year.total_withheld == 27_480 * Y
    result = annual_reconciliation(
        AnnualReturn(
            year=2024,
            employers=[
                EmployerIncome("A", wages=360_000 * Y, withheld=year.total_withheld, special_deductions=54_000 * Y)
            ],
            special_additional=SpecialAdditional(months=12, children_education=24_000 * Y, children=1),
        )
    )
    assert result.total_tax == 27_480 * Y
    assert result.balance == 0 and result.outcome == "settled" and not result.filing_required


def test_income_below_the_threshold_withholds_nothing_all_year():
    year = constant_year(2024, 5_000 * Y, 500 * Y)
    assert all(m.withholding == 0 for m in year.months)
    assert annual_tax(0, 2024) == 0


def test_a_bracket_crossed_mid_year():
    # 20,000 a month, nothing else: taxable 15,000 a month; 36,000 is crossed in March.
    year = constant_year(2024, 20_000 * Y, 0)
    w = [m.withholding for m in year.months]
    assert w[0] == 450 * Y and w[1] == 450 * Y  # 15,000 × 3 %; 30,000 × 3 % − 450
    # March: 45,000 × 10 % − 2,520 = 1,980, less 900 withheld
    assert w[2] == 1_080 * Y
    assert w[3] == 1_500 * Y  # 60,000 × 10 % − 2,520 − 1,980
    assert sum(w) == annual_tax(180_000 * Y, 2024) == 180_000 * 20 - 16_920 * Y


def test_a_worker_joining_in_july_gets_the_basic_deduction_for_months_employed():
    year = constant_year(2024, 10_000 * Y, 0, months=range(7, 13))
    july = year.months[0]
    assert july.trace.get("cumulative_basic_deduction").value == 5_000 * Y
    assert july.withholding == 150 * Y  # (10,000 − 5,000) × 3 %
    assert year.months[-1].trace.get("cumulative_basic_deduction").value == 30_000 * Y
    # STA 2020 No.13: first wages of the year → 5,000 × the month number: July deducts 35,000
    first = withhold_wages_month(
        WagesYearToDate(
            period="2024-07", months_employed=1, cumulative_income=10_000 * Y, basic_deduction_rule="month_of_year"
        )
    )
    assert first.withholding == 0
    assert first.trace.get("cumulative_basic_deduction").value == 35_000 * Y


def test_full_year_deduction_from_january_under_sta_2020_no19():
    jan = withhold_wages_month(
        WagesYearToDate(
            period="2024-01", months_employed=1, cumulative_income=50_000 * Y, basic_deduction_rule="full_year"
        )
    )
    assert jan.withholding == 0
    with pytest.raises(InvalidInput) as e:
        withhold_wages_month(
            WagesYearToDate(period="2020-01", months_employed=1, cumulative_income=1, basic_deduction_rule="full_year")
        )
    assert e.value.details[0]["field"] == "basic_deduction_rule"


def test_negative_difference_withholds_zero_and_refunds_nothing():
    # a large December deduction after a high first half
    r = withhold_wages_month(
        WagesYearToDate(
            period="2024-12",
            months_employed=12,
            cumulative_income=120_000 * Y,
            cumulative_special_additional=60_000 * Y,
            cumulative_withheld=2_000 * Y,
        )
    )
    assert r.trace.get("withholding_due").value < 0
    assert r.withholding == 0


def test_two_employers_in_one_year_reconcile_to_tax_due():
    a = constant_year(2024, 15_000 * Y, 0, months=range(1, 7))  # Jan–Jun at A
    b = constant_year(2024, 15_000 * Y, 0, months=range(7, 13))  # Jul–Dec at B: the basic deduction counted twice
    result = annual_reconciliation(
        AnnualReturn(
            year=2024,
            employers=[
                EmployerIncome("A", 90_000 * Y, a.total_withheld),
                EmployerIncome("B", 90_000 * Y, b.total_withheld),
            ],
        )
    )
    assert a.total_withheld == b.total_withheld == 3_480 * Y  # 60,000 × 10 % − 2,520 each
    assert result.total_tax == 9_480 * Y  # 120,000 × 10 % − 2,520: one basic deduction for the year
    assert result.balance == 9_480 * Y - 6_960 * Y
    assert result.outcome == "due" and result.filing_required


def test_labour_remuneration_withholding_by_payment():
    assert withhold_labour_remuneration(800 * Y, "2024-05").withholding == 0
    assert withhold_labour_remuneration(3_000 * Y, "2024-05").withholding == 440 * Y  # (3,000 − 800) × 20 %
    assert withhold_labour_remuneration(10_000 * Y, "2024-05").withholding == 1_600 * Y  # 8,000 × 20 %
    assert withhold_labour_remuneration(30_000 * Y, "2024-05").withholding == 5_200 * Y  # 24,000 × 30 % − 2,000
    assert withhold_labour_remuneration(100_000 * Y, "2024-05").withholding == 25_000 * Y  # 80,000 × 40 % − 7,000
    assert withhold_author_remuneration(10_000 * Y, "2024-05").withholding == 1_120 * Y  # 10,000 × 80 % × 70 % × 20 %
    assert withhold_royalties(2_000 * Y, "2024-05").withholding == 240 * Y  # (2,000 − 800) × 20 %


def test_labour_remuneration_only_reconciles_to_a_refund():
    payments = [
        PaymentIncome(
            "labour_remuneration", 10_000 * Y, withhold_labour_remuneration(10_000 * Y, "2024-03").withholding
        )
        for _ in range(6)
    ]
    result = annual_reconciliation(AnnualReturn(year=2024, payments=payments))
    # income amount 60,000 × 80 % = 48,000 ≤ 60,000 basic deduction: no tax; 9,600 withheld comes back
    assert result.total_tax == 0
    assert result.balance == -9_600 * Y and result.outcome == "refund" and not result.filing_required


def test_refund_at_reconciliation_for_deductions_declared_only_at_year_end():
    year = constant_year(2024, 20_000 * Y, 2_000 * Y)
    result = annual_reconciliation(
        AnnualReturn(
            year=2024,
            employers=[EmployerIncome("A", 240_000 * Y, year.total_withheld, special_deductions=24_000 * Y)],
            special_additional=SpecialAdditional(months=12, elderly_support=36_000 * Y, elderly_only_child=True),
            serious_illness_expense=30_000 * Y,  # 15,000 deductible
            other_deductions=OtherDeductions(private_pension=12_000 * Y),
        )
    )
    # taxable: 240,000 − 60,000 − 24,000 − 36,000 − 15,000 − 12,000 = 93,000 → 9,300 − 2,520 = 6,780
    assert result.taxable == 93_000 * Y and result.total_tax == 6_780 * Y
    assert year.total_withheld == 14_280 * Y  # 156,000 × 20 % − 16,920 withheld through the year
    assert result.balance == 6_780 * Y - 14_280 * Y and result.outcome == "refund"


def test_filing_exemptions():
    low_income = annual_reconciliation(
        AnnualReturn(
            year=2024,
            employers=[EmployerIncome("A", 100_000 * Y, 0)],
            payments=[PaymentIncome("royalties", 20_000 * Y)],
        )
    )
    assert low_income.balance > 400 * Y and low_income.gross_income == 120_000 * Y
    assert low_income.outcome == "due" and not low_income.filing_required
    small_due = annual_reconciliation(AnnualReturn(year=2024, employers=[EmployerIncome("A", 200_000 * Y, 8_180 * Y)]))
    # 140,000 × 10 % − 2,520 = 11,480; 11,480 − 11,080... here due = 11,480 − 8,180 = 3,300 > 400: must file
    assert small_due.balance == 3_300 * Y and small_due.filing_required
    within_400 = annual_reconciliation(
        AnnualReturn(year=2024, employers=[EmployerIncome("A", 200_000 * Y, 11_100 * Y)])
    )
    assert within_400.balance == 380 * Y and not within_400.filing_required
    # the exemption is a dated policy: not in force after 2027
    after = annual_reconciliation(AnnualReturn(year=2028, employers=[EmployerIncome("A", 100_000 * Y, 0)]))
    assert after.balance > 0 and after.filing_required


def test_bonus_separately_and_its_years():
    # 36,000 ÷ 12 = 3,000 → 3 %; 36,001 → 10 % − 210 (the famous cliff)
    assert bonus_separate_tax(36_000 * Y, 2024).tax == 1_080 * Y
    assert bonus_separate_tax(36_001 * Y, 2024).tax == 360_010 - 210 * Y  # 36,001 × 10 % = 3,600.10
    assert bonus_separate_tax(36_000 * Y, 2027).tax == 1_080 * Y
    with pytest.raises(InvalidInput) as e:
        bonus_separate_tax(36_000 * Y, 2028)
    assert e.value.details[0]["field"] == "bonus_method"
    both = annual_reconciliation(
        AnnualReturn(
            year=2024, employers=[EmployerIncome("A", 120_000 * Y, 3_480 * Y)], bonus=Bonus(36_000 * Y, 1_080 * Y)
        )
    )
    assert both.total_tax == 3_480 * Y + 1_080 * Y and both.balance == 0  # 60,000 × 10 % − 2,520 + bonus tax
    folded = annual_reconciliation(
        AnnualReturn(
            year=2024,
            employers=[EmployerIncome("A", 120_000 * Y, 3_480 * Y)],
            bonus=Bonus(36_000 * Y, 1_080 * Y),
            bonus_method="combined",
        )
    )
    assert folded.total_tax == 96_000 * 10 - 2_520 * Y  # 96,000 × 10 % − 2,520 = 7,080


def test_a_parameter_changing_between_two_periods():
    # children's education: 1,000 a month in 2022, 2,000 from 2023-01-01
    assert param("iit.sad.child_education_per_child", __import__("datetime").date(2022, 12, 31)).value == 1_000 * Y
    assert param("iit.sad.child_education_per_child", __import__("datetime").date(2023, 1, 1)).value == 2_000 * Y
    ok = withhold_wages_year(2023, [WagesMonth(month=1, income=10_000 * Y, special_additional=sad(2_000 * Y))])
    assert ok.months[0].withholding == 90 * Y  # (10,000 − 5,000 − 2,000) × 3 %
    with pytest.raises(InvalidInput) as e:
        withhold_wages_year(2022, [WagesMonth(month=12, income=10_000 * Y, special_additional=sad(2_000 * Y))])
    assert e.value.details[0]["field"] == "months[0].special_additional.children_education"
    assert e.value.code == "deduction_over_cap"
    # infant care did not exist before 2022
    with pytest.raises(InvalidInput) as e:
        withhold_wages_year(
            2021, [WagesMonth(month=1, income=1, special_additional=SpecialAdditional(infant_care=1, infants=1))]
        )
    assert e.value.details[0]["field"] == "months[0].special_additional.infant_care"
    # private pension from 2022
    with pytest.raises(InvalidInput) as e:
        annual_reconciliation(AnnualReturn(year=2021, other_deductions=OtherDeductions(private_pension=1)))
    assert e.value.details[0]["field"] == "other_deductions.private_pension"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda: withhold_wages_month(WagesYearToDate(period="2024-05", months_employed=5, cumulative_income=-1)),
            "cumulative_income",
        ),
        (
            lambda: withhold_wages_month(WagesYearToDate(period="2024-13", months_employed=1, cumulative_income=1)),
            "period",
        ),
        (
            lambda: withhold_wages_month(WagesYearToDate(period="May 2024", months_employed=1, cumulative_income=1)),
            "period",
        ),
        (
            lambda: withhold_wages_month(WagesYearToDate(period="2018-05", months_employed=1, cumulative_income=1)),
            "period",
        ),
        (
            lambda: withhold_wages_month(WagesYearToDate(period="2024-05", months_employed=6, cumulative_income=1)),
            "months_employed",
        ),
        (
            lambda: withhold_wages_month(WagesYearToDate(period="2024-05", months_employed=1, cumulative_income=1.5)),
            "cumulative_income",
        ),
        (lambda: withhold_labour_remuneration(-100, "2024-05"), "payment"),
        (
            lambda: withhold_wages_year(
                2024,
                [
                    WagesMonth(
                        month=1,
                        income=1,
                        special_additional=SpecialAdditional(housing_rent=150_100, rent_city_tier="major"),
                    )
                ],
            ),
            "months[0].special_additional.housing_rent",
        ),
        (
            lambda: withhold_wages_year(
                2024,
                [
                    WagesMonth(
                        month=1,
                        income=1,
                        special_additional=SpecialAdditional(housing_rent=80_000, rent_city_tier="metropolis"),
                    )
                ],
            ),
            "months[0].special_additional.rent_city_tier",
        ),
        (
            lambda: withhold_wages_year(
                2024,
                [
                    WagesMonth(
                        month=1,
                        income=1,
                        special_additional=SpecialAdditional(
                            housing_rent=80_000, rent_city_tier="other", housing_loan_interest=100_000
                        ),
                    )
                ],
            ),
            "months[0].special_additional.housing_rent",
        ),
        (
            lambda: withhold_wages_year(
                2024, [WagesMonth(month=1, income=1, special_additional=SpecialAdditional(elderly_support=200_000))]
            ),
            "months[0].special_additional.elderly_support",
        ),
        (
            lambda: annual_reconciliation(
                AnnualReturn(
                    year=2024, special_additional=SpecialAdditional(months=12, continuing_education=400_000 * 12 + 1)
                )
            ),
            "special_additional.continuing_education",
        ),
        (
            lambda: annual_reconciliation(
                AnnualReturn(year=2024, other_deductions=OtherDeductions(private_pension=1_200_001))
            ),
            "other_deductions.private_pension",
        ),
        (
            lambda: annual_reconciliation(AnnualReturn(year=2024, payments=[PaymentIncome("salary", 1)])),
            "payments[0].kind",
        ),
        (
            lambda: annual_reconciliation(AnnualReturn(year=2024, employers=[EmployerIncome("A", -5)])),
            "employers[0].wages",
        ),
    ],
)
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InvalidInput) as e:
        call()
    assert e.value.status == 422
    assert e.value.details[0]["field"] == field


def test_every_figure_explains_itself_in_both_languages():
    r = withhold_wages_month(
        WagesYearToDate(
            period="2024-03",
            months_employed=3,
            cumulative_income=90_000 * Y,
            cumulative_special_deductions=13_500 * Y,
            cumulative_special_additional=6_000 * Y,
            cumulative_withheld=1_180 * Y,
        )
    )
    assert r.withholding == 1_850 * Y
    zh, en = r.explain("zh-Hans"), r.explain("en", "staff")
    assert "累计预扣预缴应纳税所得额: ¥55,500.00" in zh
    assert "cumulative taxable income: ¥55,500.00" in en
    assert "iit.annual_table" in en and "2019-01-01" in en and "国家税务总局公告2018年第61号" in en
    data = r.trace.as_dict()
    rate = next(f for f in data["figures"] if f["key"] == "rate")
    assert rate["value"] == "0.1" and rate["params"][0]["effective_from"] == "2019-01-01"
    assert all(f["label"]["zh-Hans"] and f["label"]["en"] for f in data["figures"])
