"""What the platform really has, taken by the rules core: portal declarations (kind, months, what the
cap depends on) turned into yearly amounts, and deductions employers already applied in their returns
next to the taxpayer's declaration for the year. Amounts in fen."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartgov.kit.errors import InvalidInput
from smartgov.tax.rules import (
    AnnualReturn,
    Declaration,
    EmployerIncome,
    OtherDeductions,
    SpecialAdditional,
    annual_declarations,
    annual_reconciliation,
    declaration_amount,
)

Y = 100  # fen per yuan


def amount(kind, year=2025, **kw):
    return declaration_amount(Declaration(kind, year, **kw)).amount


def refused(call):
    with pytest.raises(InvalidInput) as exc:
        call()
    return exc.value


@pytest.mark.parametrize(
    ("kind", "year", "details", "expected"),
    [
        ("child_education", 2022, {"children": 2}, 1_000 * 2 * 12 * Y),
        ("child_education", 2023, {"children": 2}, 2_000 * 2 * 12 * Y),  # 国发〔2023〕13号 from 2023
        ("child_education", 2025, {"children": 1, "share_percent": 50, "months": 9}, 2_000 * 9 * Y // 2),
        ("infant_care", 2022, {"children": 1}, 1_000 * 12 * Y),
        ("infant_care", 2024, {"children": 1, "months": 5}, 2_000 * 5 * Y),
        ("continuing_education", 2025, {"months": 4}, 400 * 4 * Y),
        ("continuing_education", 2025, {"certificate": True, "months": 1}, 3_600 * Y),  # once, whatever the months
        ("housing_loan", 2025, {"months": 6}, 1_000 * 6 * Y),
        ("housing_rent", 2025, {"city_tier": "major"}, 1_500 * 12 * Y),
        ("housing_rent", 2025, {"city_tier": "large"}, 1_100 * 12 * Y),
        ("housing_rent", 2019, {"city_tier": "other", "months": 3}, 800 * 3 * Y),
        ("elderly_support", 2022, {}, 2_000 * 12 * Y),
        ("elderly_support", 2023, {}, 3_000 * 12 * Y),
        ("elderly_support", 2025, {"only_child": False, "monthly_share": 1_500 * Y}, 1_500 * 12 * Y),
        ("serious_illness", 2025, {"out_of_pocket": 15_000 * Y}, 0),
        ("serious_illness", 2025, {"out_of_pocket": 40_000_01}, 25_000_01),
        ("serious_illness", 2025, {"out_of_pocket": 200_000 * Y}, 80_000 * Y),
        ("private_pension", 2025, {"contributions": 12_000 * Y}, 12_000 * Y),
    ],
)
def test_a_declaration_gives_its_yearly_amount_by_the_parameters_of_its_year(kind, year, details, expected):
    assert amount(kind, year, **details) == expected


def test_a_declarations_trace_names_its_parameter_with_its_date_and_source():
    result = declaration_amount(Declaration("child_education", 2023, children=1, share_percent=50))
    figure = result.trace.get("declared_amount")
    assert figure.value == result.amount == 12_000 * Y
    (per_child,) = figure.params
    assert per_child.name == "iit.sad.child_education_per_child"
    assert per_child.effective_from.isoformat() == "2023-01-01" and "2023" in per_child.source
    assert "子女教育" in result.explain("zh-Hans", "staff") and "12,000.00" in result.explain("en")


@pytest.mark.parametrize(
    ("declaration", "field", "code"),
    [
        (Declaration("infant_care", 2021), "kind", "deduction_over_cap"),  # from 2022
        (Declaration("elderly_support", 2023, only_child=False, monthly_share=1_500_01), "monthly_share", None),
        (Declaration("elderly_support", 2022, only_child=False, monthly_share=1_001 * Y), "monthly_share", None),
        (Declaration("elderly_support", 2025, only_child=False), "monthly_share", "invalid_input"),
        (Declaration("private_pension", 2021, contributions=1), "contributions", "deduction_over_cap"),
        (Declaration("private_pension", 2025, contributions=12_000_01), "contributions", "deduction_over_cap"),
        (Declaration("housing_rent", 2025, city_tier="1"), "city_tier", "invalid_input"),
        (Declaration("child_education", 2025, share_percent=30), "share_percent", "invalid_input"),
        (Declaration("child_education", 2025, children=0), "children", "invalid_input"),
        (Declaration("housing_loan", 2025, months=13), "months", "invalid_input"),
        (Declaration("serious_illness", 2025, out_of_pocket=-1), "out_of_pocket", "negative_amount"),
        (Declaration("lottery", 2025), "kind", "invalid_input"),
    ],
)
def test_a_declaration_beyond_the_law_is_refused_naming_the_field(declaration, field, code):
    error = refused(lambda: declaration_amount(declaration))
    assert error.details[0]["field"] == field
    assert error.code == (code or "deduction_over_cap")


def test_a_years_declarations_combine_into_the_annual_claim():
    year = annual_declarations(
        2025,
        [
            Declaration("child_education", 2025, children=1),
            Declaration("child_education", 2025, children=1, share_percent=50),
            Declaration("housing_rent", 2025, city_tier="other", months=4),
            Declaration("housing_rent", 2025, city_tier="major", months=8),  # moved to a bigger city
            Declaration("serious_illness", 2025, out_of_pocket=10_000 * Y),
            Declaration("serious_illness", 2025, out_of_pocket=10_000 * Y),
            Declaration("private_pension", 2025, contributions=5_000 * Y),
        ],
    )
    sad = year.special_additional
    assert sad.months == 12 and sad.children == 2 and sad.children_education == 36_000 * Y
    assert sad.housing_rent == (800 * 4 + 1_500 * 8) * Y and sad.rent_city_tier == "major"
    # The 15,000 floor applies to the year's out-of-pocket costs, not to each declaration: 20,000 − 15,000.
    assert year.serious_illness_expense == 20_000 * Y and year.amounts[4:6] == (0, 0)
    assert year.other_deductions == OtherDeductions(private_pension=5_000 * Y)
    assert year.trace.get("special_additional").value == 36_000 * Y + 15_200 * Y


@pytest.mark.parametrize(
    ("declarations", "field", "code"),
    [
        (
            [
                Declaration("housing_rent", 2025, city_tier="major"),
                Declaration("housing_rent", 2025, city_tier="major"),
            ],
            "special_additional.housing_rent",
            "deduction_over_cap",
        ),
        (
            [Declaration("housing_rent", 2025, city_tier="large", months=6), Declaration("housing_loan", 2025)],
            "special_additional.housing_rent",
            "deduction_not_combinable",
        ),
        (
            [Declaration("continuing_education", 2025, certificate=True)] * 2,
            "special_additional.vocational_certificate",
            "deduction_over_cap",
        ),
        (
            [Declaration("private_pension", 2025, contributions=8_000 * Y)] * 2,
            "other_deductions.private_pension",
            "deduction_over_cap",
        ),
        ([Declaration("housing_loan", 2024)], "declarations[0].year", "invalid_input"),
        ([Declaration("housing_loan", 2025, months=0)], "declarations[0].months", "invalid_input"),
    ],
)
def test_declarations_claiming_the_same_thing_twice_are_refused(declarations, field, code):
    error = refused(lambda: annual_declarations(2025, declarations))
    assert (error.details[0]["field"], error.code) == (field, code)


# --- the annual reconciliation with deductions employers already applied ---------------------------


def employer(name, wages, withheld=0, additional=0, pension=0):
    return EmployerIncome(
        name,
        wages,
        withheld,
        special_additional=additional,
        other_deductions=OtherDeductions(private_pension=pension),
    )


def test_without_a_declaration_what_employers_applied_is_deducted_and_explained():
    result = annual_reconciliation(
        AnnualReturn(year=2025, employers=[employer("A", 200_000 * Y, additional=24_000 * Y, pension=6_000 * Y)])
    )
    # 200,000 − 60,000 − 24,000 − 6,000 = 110,000 × 10 % − 2,520 = 8,480
    assert result.taxable == 110_000 * Y and result.total_tax == 8_480 * Y
    assert result.deductions == 90_000 * Y and result.comprehensive_income == 200_000 * Y
    assert result.trace.get("special_additional_applied").value == 24_000 * Y
    assert result.trace.get("special_additional").value == 24_000 * Y
    assert "what the employers applied" in result.trace.get("special_additional").note["en"]


def test_a_declaration_for_the_year_replaces_what_employers_applied_so_a_deduction_counts_once():
    # Two employers each applied the worker's 2,000 a month of children's education: the year's
    # declaration (24,000, within the cap for one child) is what is deducted, once.
    declared = SpecialAdditional(months=12, children_education=24_000 * Y, children=1)
    twice = annual_reconciliation(
        AnnualReturn(
            year=2025,
            employers=[
                employer("A", 150_000 * Y, additional=24_000 * Y),
                employer("B", 50_000 * Y, additional=24_000 * Y),
            ],
            special_additional=declared,
        )
    )
    once = annual_reconciliation(
        AnnualReturn(year=2025, employers=[EmployerIncome("A", 200_000 * Y)], special_additional=declared)
    )
    assert twice.trace.get("special_additional").value == 24_000 * Y
    assert (twice.taxable, twice.total_tax) == (once.taxable, once.total_tax) == (116_000 * Y, 9_080 * Y)
    # A deduction declared late, which no employer applied, is granted at reconciliation.
    late = annual_reconciliation(
        AnnualReturn(year=2025, employers=[employer("A", 200_000 * Y, additional=0)], special_additional=declared)
    )
    assert late.taxable == 116_000 * Y


def test_other_deductions_two_employers_applied_are_limited_to_the_years_cap():
    result = annual_reconciliation(
        AnnualReturn(
            year=2025,
            employers=[employer("A", 100_000 * Y, pension=12_000 * Y), employer("B", 100_000 * Y, pension=12_000 * Y)],
        )
    )
    other = result.trace.get("other_deductions")
    assert other.value == 12_000 * Y and other.params[0].name == "iit.other.private_pension_cap"
    declared = annual_reconciliation(
        AnnualReturn(
            year=2025,
            employers=[employer("A", 200_000 * Y, pension=12_000 * Y)],
            other_deductions=OtherDeductions(private_pension=3_000 * Y),
        )
    )
    assert declared.trace.get("other_deductions").value == 3_000 * Y


def test_without_applied_amounts_the_trace_is_as_before():
    result = annual_reconciliation(AnnualReturn(year=2025, employers=[EmployerIncome("A", 100_000 * Y)]))
    keys = [f.key for f in result.trace.figures]
    assert "special_additional_applied" not in keys and "special_additional_declared" not in keys
    assert keys.count("special_additional") == 1 and keys.count("other_deductions") == 1


def test_applied_amounts_are_checked_like_every_input():
    error = refused(lambda: annual_reconciliation(AnnualReturn(year=2025, employers=[employer("A", 1, additional=-1)])))
    assert (error.details[0]["field"], error.code) == ("employers[0].special_additional", "negative_amount")
    error = refused(
        lambda: annual_reconciliation(
            AnnualReturn(year=2025, employers=[EmployerIncome("A", 1), employer("B", 1, pension=-5)])
        )
    )
    assert error.details[0]["field"] == "employers[1].other_deductions.private_pension"


employers = st.lists(
    st.tuples(
        st.integers(0, 60_000_000),  # wages
        st.integers(0, 5_000_000),  # withheld
        st.integers(0, 6_000_000),  # special additional applied
        st.integers(0, 1_200_000),  # private pension applied
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=80, deadline=None)
@given(employers=employers, declared=st.integers(0, 3), year=st.integers(2022, 2027))
def test_how_income_is_split_between_employers_does_not_change_the_year(employers, declared, year):
    """The year's figures depend on the totals only: one employer carrying every total gives the
    same reconciliation as the employers one by one."""
    per_child = 200_000 if year >= 2023 else 100_000
    declaration = SpecialAdditional(months=12, children_education=per_child * 12 * declared, children=declared)
    split = annual_reconciliation(
        AnnualReturn(
            year=year, employers=[employer(str(i), *e) for i, e in enumerate(employers)], special_additional=declaration
        )
    )
    total = [sum(column) for column in zip(*employers, strict=True)]
    merged = annual_reconciliation(
        AnnualReturn(year=year, employers=[employer("all", *total)], special_additional=declaration)
    )
    assert (split.taxable, split.total_tax, split.balance, split.deductions) == (
        merged.taxable,
        merged.total_tax,
        merged.balance,
        merged.deductions,
    )
    additional = declaration.children_education or total[2]
    assert split.trace.get("special_additional").value == additional
    assert split.trace.get("other_deductions").value == min(total[3], 1_200_000)
