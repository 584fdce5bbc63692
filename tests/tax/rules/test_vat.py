"""Small-scale VAT returns and their surcharges, in fen."""

import pytest

from smartgov.kit.errors import InvalidInput
from smartgov.tax.rules import VatSales, vat_small_scale_return

Y = 100


def test_just_below_the_quarterly_threshold_is_exempt():
    r = vat_small_scale_return(VatSales(period="2024Q2", sales_ordinary=300_000 * Y, prices_include_tax=False))
    assert r.below_threshold and r.vat == 0 and r.surcharges == 0 and r.total_payable == 0
    assert r.vat_relief == 9_000 * Y  # 3 % relieved on 300,000


def test_just_above_the_quarterly_threshold_is_taxed_at_one_percent_with_halved_surcharges():
    r = vat_small_scale_return(VatSales(period="2024Q2", sales_ordinary=300_001 * Y, prices_include_tax=False))
    assert not r.below_threshold
    assert r.vat == 300_001  # 300,001 × 1 % = 3,000.01
    # urban 7 %: 210.0007 → 210.00; halved 105.00. education 3 %: 90.0003 → 90.00 → 45.00; local 2 %: 60.00 → 30.00
    assert (r.urban_maintenance, r.education, r.local_education) == (10_500, 4_500, 3_000)
    assert r.total_payable == 300_001 + 18_000


def test_tax_inclusive_sales_are_divided_by_one_plus_the_rate():
    r = vat_small_scale_return(VatSales(period="2024-05", sales_ordinary=202_000 * Y, location="county_town"))
    assert r.sales_total == 200_000 * Y  # 202,000 ÷ 1.01
    assert r.vat == 2_000 * Y
    assert r.urban_maintenance == 50 * Y  # 2,000 × 5 % = 100, halved
    assert r.education == 30 * Y and r.local_education == 20 * Y


def test_monthly_threshold_and_special_invoices_are_taxed_even_below_it():
    r = vat_small_scale_return(
        VatSales(
            period="2024-05", sales_ordinary=60_000 * Y, sales_special_invoice=30_000 * Y, prices_include_tax=False
        )
    )
    assert r.below_threshold
    assert r.vat == 300 * Y  # only the special-invoice sales, at 1 %
    # within 100,000 a month: education surcharges exempt (财税〔2016〕12号); urban 7 % = 21, halved 10.50
    assert r.education == 0 and r.local_education == 0 and r.urban_maintenance == 1_050


def test_parameters_by_period():
    q = dict(sales_ordinary=400_000 * Y, prices_include_tax=False)
    # 2021Q2–2022: the quarterly threshold was 450,000 → exempt; from 2023 back to 300,000 → taxed at 1 %
    assert vat_small_scale_return(VatSales(period="2021Q3", **q)).vat == 0
    assert vat_small_scale_return(VatSales(period="2023Q1", **q)).vat == 4_000 * Y
    # 2019: 3 % with no reduced rate
    assert vat_small_scale_return(VatSales(period="2019Q3", **q)).vat == 12_000 * Y
    # April–December 2022: 3 % sales exempt even above the threshold, but special invoices taxed at 3 %
    r = vat_small_scale_return(
        VatSales(
            period="2022Q3", sales_ordinary=500_000 * Y, sales_special_invoice=100_000 * Y, prices_include_tax=False
        )
    )
    assert r.vat == 3_000 * Y


@pytest.mark.parametrize(
    ("sales", "field"),
    [
        (VatSales(period="2024Q5"), "period"),
        (VatSales(period="2024"), "period"),
        (VatSales(period="2024-02", sales_ordinary=-1), "sales_ordinary"),
        (VatSales(period="2024-02", sales_special_invoice=-1), "sales_special_invoice"),
        (VatSales(period="2024-02", location="moon"), "location"),
    ],
)
def test_bad_vat_input_names_the_field(sales, field):
    with pytest.raises(InvalidInput) as e:
        vat_small_scale_return(sales)
    assert e.value.details[0]["field"] == field


def test_vat_explains_itself():
    r = vat_small_scale_return(VatSales(period="2024Q2", sales_ordinary=300_001 * Y, prices_include_tax=False))
    assert "财政部 税务总局公告2023年第1号" in r.explain("zh-Hans", "staff")
    assert "VAT payable: ¥3,000.01" in r.explain("en")
