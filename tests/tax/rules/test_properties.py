"""Properties over random inputs: monotone tax, a year's withholdings add up, two paths one result."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from smartgov.tax.rules import (
    Population,
    SpecialAdditional,
    WagesMonth,
    WagesYearToDate,
    annual_reconciliation,
    annual_tax,
    withhold_population,
    withhold_wages_month,
    withhold_wages_year,
)
from smartgov.tax.rules.annual import AnnualReturn, EmployerIncome

YEARS = st.integers(2019, 2030)
fen = st.integers(0, 10**10)


@given(a=fen, b=fen, year=YEARS)
def test_tax_never_decreases_when_taxable_income_increases(a, b, year):
    low, high = sorted((a, b))
    assert annual_tax(low, year) <= annual_tax(high, year)


@settings(max_examples=60, deadline=None)
@given(
    salary=st.integers(0, 20_000_000),
    social=st.integers(0, 500_000),
    children=st.integers(0, 2),
    year=st.integers(2019, 2027),
)
def test_constant_monthly_wages_withholdings_sum_to_the_annual_tax(salary, social, children, year):
    social = min(social, salary)
    per_child = 200_000 if year >= 2023 else 100_000
    additional = SpecialAdditional(children_education=per_child * children, children=children)
    months = [
        WagesMonth(month=m, income=salary, special_deductions=social, special_additional=additional)
        for m in range(1, 13)
    ]
    withheld = withhold_wages_year(year, months).total_withheld
    result = annual_reconciliation(
        AnnualReturn(
            year=year,
            employers=[EmployerIncome("A", salary * 12, withheld, special_deductions=social * 12)],
            special_additional=SpecialAdditional(
                months=12, children_education=per_child * children * 12, children=children
            ),
        )
    )
    assert withheld == result.total_tax
    assert result.balance == 0


def population(rng, n, month):
    income = rng.integers(0, 8_000_000, n) * month  # up to 80,000 a month
    pop = Population(
        months_employed=rng.integers(1, month + 1, n),
        cumulative_income=income,
        cumulative_exempt_income=np.minimum(rng.integers(0, 100_000, n), income),
        cumulative_special_deductions=rng.integers(0, 600_000, n) * month,
        cumulative_special_additional=rng.integers(0, 700_000, n) * month,
        cumulative_other_deductions=rng.integers(0, 100_000, n),
        cumulative_reliefs=rng.integers(0, 3, n) * rng.integers(0, 50_000, n),
        cumulative_withheld=rng.integers(0, 4_000_000, n),
    )
    return pop


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), month=st.integers(1, 12), year=st.integers(2019, 2030), n=st.integers(1, 300))
def test_scalar_and_vectorised_paths_agree(seed, month, year, n):
    pop = population(np.random.default_rng(seed), n, month)
    period = f"{year}-{month:02d}"
    batch = withhold_population(pop, period)
    for i in range(n):
        one = withhold_wages_month(pop.row(i, period))
        assert (one.withholding, one.cumulative_taxable, one.cumulative_tax) == (
            int(batch.withholding[i]),
            int(batch.cumulative_taxable[i]),
            int(batch.cumulative_tax[i]),
        )


def test_vectorised_path_at_every_bracket_edge():
    # taxable exactly on each ceiling, one fen either side: both paths pick the same row
    edges = [0, 1, 3_600_000, 14_400_000, 30_000_000, 42_000_000, 66_000_000, 96_000_000]
    taxable = np.array([e + d for e in edges for d in (-1, 0, 1) if e + d >= 0], dtype=np.int64)
    n = len(taxable)
    pop = Population.zeros_like(taxable + 500_000, np.ones(n, dtype=np.int64))
    batch = withhold_population(pop, "2024-01")
    for i in range(n):
        assert (
            int(batch.withholding[i])
            == withhold_wages_month(
                WagesYearToDate(period="2024-01", months_employed=1, cumulative_income=int(taxable[i]) + 500_000)
            ).withholding
        )
    assert batch.explain(3).withholding == int(batch.withholding[3])


def test_vectorised_bad_input_names_the_row_and_field():
    import pytest

    from smartgov.kit.errors import InvalidInput

    income = np.array([100, -5], dtype=np.int64)
    with pytest.raises(InvalidInput) as e:
        withhold_population(Population.zeros_like(income, np.ones(2, dtype=np.int64)), "2024-03")
    assert e.value.details[0]["field"] == "cumulative_income[1]"


@given(
    a=st.integers(0, 10**9),
    b=st.integers(0, 10**9),
    kind=st.sampled_from(["labour_remuneration", "author_remuneration", "royalties"]),
)
def test_withholding_on_a_payment_never_decreases_when_the_payment_increases(a, b, kind):
    from smartgov.tax.rules import withhold_payment

    low, high = sorted((a, b))
    assert withhold_payment(kind, low, "2024-06").withholding <= withhold_payment(kind, high, "2024-06").withholding


@given(a=st.integers(0, 10**10), b=st.integers(0, 10**10), year=st.integers(2019, 2027))
def test_annual_reconciliation_tax_never_decreases_with_wages(a, b, year):
    low, high = sorted((a, b))
    tax = [
        annual_reconciliation(AnnualReturn(year=year, employers=[EmployerIncome("A", w)])).total_tax
        for w in (low, high)
    ]
    assert tax[0] <= tax[1]
