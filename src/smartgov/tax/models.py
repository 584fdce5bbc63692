"""Tax filings: taxpayers registered with the bureau, withholding returns and their lines, workers'
special additional deductions, annual reconciliations and small-scale VAT returns.

Returns are never edited: a correction files an amended return that supersedes the live one, so the
history of what was declared, computed and billed stays as it was. Amounts are integer fen.
Employees are identified by their resident identity number, stored encrypted with the tenant's data
key, looked up by a blind index (the same one accounts uses for profiles, so a worker finds the
lines employers filed for them) and shown masked.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class ReturnStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    AMENDED = "amended", _("Amended")  # a correction, live in place of the return it superseded
    SUPERSEDED = "superseded", _("Superseded")


LIVE = (ReturnStatus.FILED, ReturnStatus.AMENDED)


class Taxpayer(TenantOwned):
    """A business registered with the tax bureau: as withholding agent (monthly IIT returns for its
    employees) and/or as a small-scale VAT taxpayer."""

    class VatPeriodicity(models.TextChoices):
        QUARTER = "quarter", _("Quarterly")
        MONTH = "month", _("Monthly")

    class Location(models.TextChoices):
        # Urban maintenance and construction tax rate depends on where the business is.
        URBAN = "urban", _("City district")
        COUNTY = "county", _("County or town")
        OTHER = "other", _("Elsewhere")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    membership = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    is_withholding_agent = models.BooleanField(default=True)
    is_small_scale_vat = models.BooleanField(default=False)
    vat_periodicity = models.CharField(max_length=8, choices=VatPeriodicity.choices, default=VatPeriodicity.QUARTER)
    location = models.CharField(max_length=8, choices=Location.choices, default=Location.URBAN)
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["uscc"]
        constraints = [models.UniqueConstraint(fields=["tenant", "uscc"], name="tax_taxpayer_uscc_unique")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.name}"


class WithholdingReturn(TenantOwned):
    """One agent's monthly IIT withholding return (扣缴申报) for one period."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(max_length=40)
    agent = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="withholding_returns")
    period = models.CharField(max_length=7)  # YYYY-MM
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.FILED)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    employee_count = models.PositiveIntegerField(default=0)
    total_income = models.BigIntegerField(default=0)
    total_withholding = models.BigIntegerField(default=0)
    # What this return billed: the total, or for an amendment the increase over the superseded
    # return; an amendment that lowers the total leaves ``overpaid`` as the agent's credit.
    billed_amount = models.BigIntegerField(default=0)
    overpaid = models.BigIntegerField(default=0)
    bill_id = models.UUIDField(null=True, blank=True)
    bill_reference = models.CharField(max_length=40, blank=True)
    source_name = models.CharField(max_length=200, blank=True)
    filed_by = models.CharField(max_length=200, blank=True)
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-period", "-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="tax_wh_reference_unique"),
            # One live return per agent and period: a second filing must be an amendment.
            models.UniqueConstraint(
                fields=["tenant", "agent", "period"],
                condition=Q(status__in=["filed", "amended"]),
                name="tax_wh_one_live_per_period",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "period", "status"], name="tax_wh_period_idx")]


class IncomeKind(models.TextChoices):
    WAGES = "wages", _("Wages and salaries")
    LABOUR = "labour", _("Labour remuneration")
    AUTHORS = "authors", _("Author's remuneration")
    ROYALTIES = "royalties", _("Royalties")


class WithholdingLine(TenantOwned):
    """One employee's line on a withholding return: declared figures, and what the rules computed."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    withholding_return = models.ForeignKey(WithholdingReturn, on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField()
    id_number_cipher = models.TextField()
    id_number_index = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    # Declared, this month (fen)
    wages = models.BigIntegerField(default=0)
    labour = models.BigIntegerField(default=0)
    authors = models.BigIntegerField(default=0)
    royalties = models.BigIntegerField(default=0)
    social_insurance = models.BigIntegerField(default=0)  # pension, medical, unemployment, housing fund
    special_additional = models.BigIntegerField(default=0)  # declared special additional deductions
    other_deductions = models.BigIntegerField(default=0)
    # Computed, year to date with this agent (fen), and the month's withholding
    months_employed = models.PositiveSmallIntegerField(default=1)
    ytd_income = models.BigIntegerField(default=0)
    ytd_deductions = models.BigIntegerField(default=0)
    ytd_taxable = models.BigIntegerField(default=0)
    ytd_tax = models.BigIntegerField(default=0)
    ytd_withheld_before = models.BigIntegerField(default=0)
    wage_withholding = models.BigIntegerField(default=0)
    other_withholding = models.BigIntegerField(default=0)  # labour, author's, royalties: per payment
    withholding = models.BigIntegerField(default=0)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["row"]


class DeductionKind(models.TextChoices):
    CHILD_EDUCATION = "child_education", _("Children's education")
    INFANT_CARE = "infant_care", _("Infant care (under 3)")
    CONTINUING_EDUCATION = "continuing_education", _("Continuing education")
    HOUSING_LOAN = "housing_loan", _("Housing-loan interest")
    HOUSING_RENT = "housing_rent", _("Housing rent")
    ELDERLY_SUPPORT = "elderly_support", _("Elderly support")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    PRIVATE_PENSION = "private_pension", _("Private pension")


class DeductionDeclaration(TenantOwned):
    """A worker's declared special additional deduction for a year (专项附加扣除信息)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    worker = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=DeductionKind.choices)
    details = models.JSONField(default=dict)  # children, share, city tier, expenses, months…
    annual_amount = models.BigIntegerField()  # computed by the rules, within the legal cap (fen)
    explanation = models.JSONField(default=dict)
    declared_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["year", "kind", "declared_at"]


class AnnualReconciliation(TenantOwned):
    """A worker's annual reconciliation (汇算清缴) for one tax year."""

    class Result(models.TextChoices):
        REFUND = "refund", _("Refund")
        DUE = "due", _("Tax due")
        EXEMPT = "exempt", _("Due, but exempt from paying")
        NIL = "nil", _("Nothing to settle")

    class Status(models.TextChoices):
        FILED = "filed", _("Filed")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(max_length=40)
    worker = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.FILED)
    income = models.BigIntegerField()  # comprehensive income as counted for the year
    deductions = models.BigIntegerField()
    taxable = models.BigIntegerField()
    annual_tax = models.BigIntegerField()
    prepaid = models.BigIntegerField()
    balance = models.BigIntegerField()  # annual tax − prepaid: > 0 due, < 0 refund
    result = models.CharField(max_length=8, choices=Result.choices)
    figures = models.JSONField(default=dict)  # the pre-filled figures by employer, as filed
    explanation = models.JSONField(default=dict)
    bill_id = models.UUIDField(null=True, blank=True)
    bill_reference = models.CharField(max_length=40, blank=True)
    refund_reference = models.CharField(max_length=60, blank=True)
    # Set when the treasury confirms it paid the refund out (``smartgov tax refund-paid``).
    refund_paid_at = models.DateTimeField(null=True, blank=True)
    refund_bank_reference = models.CharField(max_length=60, blank=True)
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="tax_rec_reference_unique"),
            models.UniqueConstraint(
                fields=["tenant", "worker", "year"], condition=Q(status="filed"), name="tax_rec_one_per_year"
            ),
        ]


class VatReturn(TenantOwned):
    """A small-scale taxpayer's VAT return for a quarter (YYYY-Qn) or a month (YYYY-MM)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(max_length=40)
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="vat_returns")
    period = models.CharField(max_length=7)
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.FILED)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    sales = models.BigIntegerField()  # all taxable sales, excluding VAT (fen)
    special_invoice_sales = models.BigIntegerField(default=0)  # of which on special VAT invoices
    vat = models.BigIntegerField()
    urban_construction = models.BigIntegerField()
    education = models.BigIntegerField()
    local_education = models.BigIntegerField()
    total = models.BigIntegerField()
    billed_amount = models.BigIntegerField(default=0)
    explanation = models.JSONField(default=dict)
    bill_id = models.UUIDField(null=True, blank=True)
    bill_reference = models.CharField(max_length=40, blank=True)
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-period", "-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "reference"], name="tax_vat_reference_unique"),
            models.UniqueConstraint(
                fields=["tenant", "taxpayer", "period"],
                condition=Q(status__in=["filed", "amended"]),
                name="tax_vat_one_live_per_period",
            ),
        ]


class ReferenceCounter(TenantOwned):
    """Per-tenant, per-year counters for readable references (locked while incremented)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    prefix = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "prefix", "year"], name="tax_refcounter_unique")]
