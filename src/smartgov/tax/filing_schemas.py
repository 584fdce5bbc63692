"""API input and output of the filing side of the tax app (amounts are integer fen)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class TaxpayerIn(Schema):
    membership_id: UUID = Field(description="The business member (with a USCC on its profile) to register")
    withholding_agent: bool = True
    small_scale_vat: bool = False
    vat_periodicity: str = Field("quarter", description="quarter or month")
    location: str = Field("urban", description="urban, county or other (urban maintenance tax rate)")


class TaxpayerOut(Schema):
    id: UUID
    uscc: str
    name: str
    is_withholding_agent: bool
    is_small_scale_vat: bool
    vat_periodicity: str
    location: str
    registered_at: datetime


class WithholdingReturnIn(Schema):
    uscc: str = Field(description="The withholding agent's unified social credit code")
    period: str = Field(description="YYYY-MM", examples=["2026-03"])
    filename: str = Field("payroll.csv", max_length=200, description="payroll.csv or payroll.xlsx")
    content_base64: str = Field(description="The payroll file, base64 (columns: see docs/tax-filing.md)")
    amend: bool = Field(False, description="File an amended return superseding the live one")


class WithholdingReturnOut(Schema):
    id: UUID
    reference: str
    agent_uscc: str
    period: str
    status: str
    supersedes_reference: str | None
    employee_count: int
    total_income: int
    total_withholding: int
    billed_amount: int
    overpaid: int
    bill_id: UUID | None
    bill_reference: str
    filed_at: datetime


class WithholdingLineOut(Schema):
    row: int
    id_number_masked: str
    name: str
    wages: int
    labour: int
    authors: int
    royalties: int
    social_insurance: int
    special_additional: int
    other_deductions: int
    months_employed: int
    ytd_income: int
    ytd_taxable: int
    ytd_tax: int
    ytd_withheld_before: int
    withholding: int
    explanation: dict[str, Any]


class WithholdingReturnDetailOut(WithholdingReturnOut):
    lines: list[WithholdingLineOut]


class WorkerLineOut(Schema):
    employer_uscc: str
    employer_name: str
    period: str
    wages: int
    labour: int
    authors: int
    royalties: int
    social_insurance: int
    special_additional: int
    withholding: int
    explanation: dict[str, Any]


class DeductionIn(Schema):
    year: int
    kind: str = Field(
        description="child_education, infant_care, continuing_education, housing_loan, housing_rent, "
        "elderly_support, serious_illness or private_pension"
    )
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="children, share_percent, months, city_tier, "
        "only_child, monthly_share, out_of_pocket, contributions, certificate",
    )


class DeductionOut(Schema):
    id: UUID
    year: int
    kind: str
    details: dict[str, Any]
    annual_amount: int
    explanation: dict[str, Any]
    declared_at: datetime


class EmployerFiguresOut(Schema):
    uscc: str
    name: str
    months: int
    wages: int
    labour: int
    authors: int
    royalties: int
    special: int
    special_additional: int
    other: int
    withheld: int


class ReconciliationPreviewOut(Schema):
    year: int
    window_opens: str
    window_closes: str
    is_open: bool
    employers: list[EmployerFiguresOut]
    income: int
    deductions: int
    taxable: int
    annual_tax: int
    prepaid: int
    balance: int
    result: str
    explanation: dict[str, Any]
    filed: AnnualReconciliationOut | None = None


class AnnualReconciliationOut(Schema):
    id: UUID
    reference: str
    year: int
    income: int
    deductions: int
    taxable: int
    annual_tax: int
    prepaid: int
    balance: int
    result: str
    bill_id: UUID | None
    bill_reference: str
    refund_reference: str
    explanation: dict[str, Any]
    filed_at: datetime


ReconciliationPreviewOut.model_rebuild()


class VatReturnIn(Schema):
    uscc: str
    period: str = Field(description="YYYY-Qn for quarterly filers, YYYY-MM for monthly", examples=["2026-Q1"])
    sales: int = Field(description="Taxable sales excluding VAT, fen")
    special_invoice_sales: int = Field(0, description="Of which on special VAT invoices, fen")
    amend: bool = False


class VatReturnOut(Schema):
    id: UUID
    reference: str
    taxpayer_uscc: str
    period: str
    status: str
    sales: int
    special_invoice_sales: int
    vat: int
    urban_construction: int
    education: int
    local_education: int
    total: int
    billed_amount: int
    bill_id: UUID | None
    bill_reference: str
    explanation: dict[str, Any]
    filed_at: datetime


class ComplianceOut(Schema):
    period: str
    registered: int
    filed: int
    unfiled: int
    unfiled_agents: list[TaxpayerOut]


class AssessmentIn(Schema):
    period: str = Field(description="YYYY-MM")


class UnfiledOut(Schema):
    uscc: str
    name: str
    last_period: str
    estimated: int


class AssessmentOut(Schema):
    period: str
    registered: int
    filed: int
    unfiled_count: int
    estimated_total: int
    unfiled: list[UnfiledOut]


class ArrearOut(Schema):
    bill_id: UUID
    payment_code: str
    title: str
    state: str
    total: int
    outstanding: int
    due_date: str


class CollectionMonthOut(Schema):
    period: str
    returns: int
    employees: int
    withholding: int


class CollectionOut(Schema):
    year: int
    months: list[CollectionMonthOut]
    refunds_count: int
    refunds_total: int
