"""API input and output of the tax app. Amounts are integer fen throughout (12,345.67 yuan is 1234567)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

Fen = int
Lang = Literal["zh-Hans", "en"]
Audience = Literal["taxpayer", "staff"]


class ExplainedOut(Schema):
    explanation: str = Field(description="The figures and how each was obtained, as text in the requested language")
    trace: dict[str, Any] = Field(
        description="Every figure with its rule, formula (zh-Hans and en), parameters (value, effective date, source)"
    )


class WagesMonthIn(Schema):
    period: str = Field(description="The month withheld, YYYY-MM", examples=["2024-08"])
    months_employed: int = Field(description="Months with this employer this year, this month included")
    cumulative_income: Fen = Field(description="Wages paid this year so far, this month included (fen)")
    cumulative_exempt_income: Fen = 0
    cumulative_special_deductions: Fen = Field(0, description="Employee's social insurance and housing fund (fen)")
    cumulative_special_additional: Fen = 0
    cumulative_other_deductions: Fen = 0
    cumulative_reliefs: Fen = 0
    cumulative_withheld: Fen = Field(0, description="Tax withheld by this employer in the earlier months (fen)")
    basic_deduction_rule: Literal["months_employed", "month_of_year", "full_year"] = Field(
        "months_employed",
        description="months_employed (STA 2018 No.61); month_of_year (first wages of the year, STA 2020 No.13); "
        "full_year (previous year's wages ≤ 60,000, STA 2020 No.19)",
    )


class WagesWithholdingOut(ExplainedOut):
    period: str
    withholding: Fen
    cumulative_taxable: Fen
    cumulative_tax: Fen


class SpecialAdditionalIn(Schema):
    """Declared special additional deductions for the span (a month, or 12 months at reconciliation)."""

    children_education: Fen = 0
    children: int = 0
    infant_care: Fen = 0
    infants: int = 0
    continuing_education: Fen = 0
    vocational_certificate: Fen = 0
    housing_loan_interest: Fen = 0
    housing_rent: Fen = 0
    rent_city_tier: Literal["major", "large", "other"] | None = None
    elderly_support: Fen = 0
    elderly_only_child: bool = False


class OtherDeductionsIn(Schema):
    private_pension: Fen = 0
    health_insurance: Fen = 0
    other: Fen = 0


class WagesMonthLineIn(Schema):
    month: int = Field(description="1–12")
    income: Fen
    exempt_income: Fen = 0
    special_deductions: Fen = 0
    special_additional: SpecialAdditionalIn = Field(default_factory=SpecialAdditionalIn)
    other_deductions: OtherDeductionsIn = Field(default_factory=OtherDeductionsIn)
    reliefs: Fen = 0


class WagesYearIn(Schema):
    year: int
    months: list[WagesMonthLineIn] = Field(
        description="Consecutive payroll months at one employer, in order", min_length=1, max_length=12
    )
    basic_deduction_rule: Literal["months_employed", "month_of_year", "full_year"] = "months_employed"


class WagesYearOut(ExplainedOut):
    months: list[WagesWithholdingOut]
    total_withheld: Fen


class WithholdingPaymentIn(Schema):
    kind: Literal["labour_remuneration", "author_remuneration", "royalties"]
    payment: Fen
    period: str = Field(description="The month paid, YYYY-MM")


class WithholdingPaymentOut(ExplainedOut):
    kind: str
    payment: Fen
    income_amount: Fen
    withholding: Fen


class EmployerIncomeIn(Schema):
    employer: str = Field(max_length=200)
    wages: Fen
    withheld: Fen = 0
    exempt_income: Fen = 0
    special_deductions: Fen = 0
    special_additional: Fen = Field(
        0,
        description="Special additional deductions this employer applied in the year (one total); "
        "replaced by the year's declaration in `special_additional` when one is given",
    )
    other_deductions: OtherDeductionsIn = Field(
        default_factory=OtherDeductionsIn,
        description="Other deductions this employer applied in the year, by kind; replaced by the "
        "year's declaration in `other_deductions` when one is given, else limited to each kind's cap",
    )


class PaymentIncomeIn(Schema):
    kind: Literal["labour_remuneration", "author_remuneration", "royalties"]
    amount: Fen
    withheld: Fen = 0


class BonusIn(Schema):
    amount: Fen
    withheld: Fen = 0


class ReconciliationIn(Schema):
    year: int
    employers: list[EmployerIncomeIn] = Field([], max_length=100)
    payments: list[PaymentIncomeIn] = Field([], max_length=1000, description="One entry per payment or per payer")
    bonus: BonusIn | None = None
    bonus_method: Literal["separate", "combined"] = "separate"
    special_additional: SpecialAdditionalIn = Field(
        default_factory=SpecialAdditionalIn, description="Annual totals (12 months)"
    )
    serious_illness_expense: Fen = Field(0, description="Out-of-pocket medical costs within the insurance catalogue")
    other_deductions: OtherDeductionsIn = Field(default_factory=OtherDeductionsIn)
    reliefs: Fen = 0


class ReconciliationOut(ExplainedOut):
    year: int
    gross_income: Fen
    comprehensive_income: Fen
    deductions: Fen
    taxable: Fen
    total_tax: Fen
    prepaid: Fen
    balance: Fen = Field(description="Positive: amount due; negative: refund")
    outcome: Literal["due", "refund", "settled"]
    filing_required: bool
    reason: dict[str, str]


class VatIn(Schema):
    period: str = Field(description="YYYY-MM for monthly filers, YYYYQn for quarterly filers", examples=["2024Q2"])
    sales_ordinary: Fen = 0
    sales_special_invoice: Fen = 0
    prices_include_tax: bool = True
    location: Literal["urban", "county_town", "other"] = "urban"


class VatOut(ExplainedOut):
    period: str
    sales_total: Fen
    below_threshold: bool
    vat: Fen
    vat_relief: Fen
    urban_maintenance: Fen
    education: Fen
    local_education: Fen
    surcharges: Fen
    total_payable: Fen
