"""The pure tax rules core: China's individual income tax (from 2019) and small-scale VAT, as code.

No Django, no database: the standard library, numpy and ``smartgov.kit`` only (an import-linter
contract keeps it so). Amounts are integer fen; rates are exact fractions; every amount, rate, table
and flag is a dated parameter in ``parameters/*.json`` with its legal source; rounding happens only
where a return shows a figure, half up to the fen (see ``rounding.py``). See docs/tax.md.

Public API (what the tax app, the API and payroll batch jobs use):

Individual income tax

- ``withhold_wages_month(WagesYearToDate(...)) -> WagesWithholding``: one month's withholding on wages
  by the cumulative method from the year-to-date figures at one employer.
- ``withhold_wages_year(year, [WagesMonth(...), ...]) -> WagesYear``: the same over consecutive payroll
  months, checking each month's declared special additional and other deductions against their caps.
- ``withhold_population(Population(...), "YYYY-MM") -> PopulationWithholding``: the vectorised path
  (numpy int64) for a whole population; ``.explain(i)`` gives row i's scalar result and trace.
- ``withhold_payment(kind, payment, "YYYY-MM") -> PaymentWithholding`` (and the three named
  shortcuts): withholding on labour remuneration, author's remuneration and royalties per payment.
- ``bonus_separate_tax(bonus, year) -> BonusTax``: the annual one-off bonus by the monthly table.
- ``annual_reconciliation(AnnualReturn(...)) -> Reconciliation``: every employer's and payer's income,
  deductions and withholding combined; the refund or amount due; whether filing is required.
- ``annual_tax(taxable, year) -> int``: the annual table alone.
- ``special_additional_total`` / ``other_deductions_total``: cap checks usable on their own.
- ``declaration_amount(Declaration(...)) -> DeclaredAmount``: a portal declaration (kind, months and
  what its cap depends on) as its yearly amount within its cap; ``annual_declarations(year, [...])
  -> DeclaredYear``: a year's declarations combined into what ``AnnualReturn`` takes, checked against
  the year's caps.

Small-scale VAT

- ``vat_small_scale_return(VatSales(...)) -> VatReturn``: VAT, relief and the local surcharges for a
  monthly or quarterly return.

Every result has ``.trace`` (a ``Trace``: the figures in computation order, each with its rule,
formula in zh-Hans and en, parameters with effective dates and sources) and
``.explain(lang="zh-Hans" | "en", audience="taxpayer" | "staff")``; ``trace.as_dict()`` is JSON-ready.

Bad input raises ``smartgov.kit.errors.InvalidInput`` (HTTP 422) whose ``details`` name the field:
negative amounts (code ``negative_amount``), malformed periods, deductions over their caps (code
``deduction_over_cap``), periods before the rules start (``period_not_covered``).
"""

from .annual import (
    AnnualReturn,
    Bonus,
    EmployerIncome,
    PaymentIncome,
    Reconciliation,
    annual_reconciliation,
    annual_tax,
)
from .base import MAX_AMOUNT, Explained
from .bonus import BonusTax, bonus_allowed, bonus_separate_tax
from .declarations import (
    DECLARATION_KINDS,
    Declaration,
    DeclaredAmount,
    DeclaredYear,
    annual_declarations,
    declaration_amount,
)
from .deductions import (
    RENT_TIERS,
    OtherDeductions,
    SpecialAdditional,
    other_deductions_total,
    serious_illness_deduction,
    special_additional_total,
)
from .params import Bracket, ParamValue, history, names, param
from .payments import (
    PaymentWithholding,
    withhold_author_remuneration,
    withhold_labour_remuneration,
    withhold_payment,
    withhold_royalties,
)
from .periods import Period, parse_period
from .trace import LANGUAGES, Figure, Trace
from .vat import LOCATIONS, VatReturn, VatSales, vat_small_scale_return
from .vector import Population, PopulationWithholding, withhold_population
from .wages import (
    BASIC_DEDUCTION_RULES,
    WagesMonth,
    WagesWithholding,
    WagesYear,
    WagesYearToDate,
    withhold_wages_month,
    withhold_wages_year,
)

__all__ = [
    "BASIC_DEDUCTION_RULES",
    "DECLARATION_KINDS",
    "LANGUAGES",
    "LOCATIONS",
    "MAX_AMOUNT",
    "RENT_TIERS",
    "AnnualReturn",
    "Bonus",
    "BonusTax",
    "Bracket",
    "Declaration",
    "DeclaredAmount",
    "DeclaredYear",
    "EmployerIncome",
    "Explained",
    "Figure",
    "OtherDeductions",
    "ParamValue",
    "PaymentIncome",
    "PaymentWithholding",
    "Period",
    "Population",
    "PopulationWithholding",
    "Reconciliation",
    "SpecialAdditional",
    "Trace",
    "VatReturn",
    "VatSales",
    "WagesMonth",
    "WagesWithholding",
    "WagesYear",
    "WagesYearToDate",
    "annual_declarations",
    "annual_reconciliation",
    "annual_tax",
    "bonus_allowed",
    "bonus_separate_tax",
    "declaration_amount",
    "history",
    "names",
    "other_deductions_total",
    "param",
    "parse_period",
    "serious_illness_deduction",
    "special_additional_total",
    "vat_small_scale_return",
    "withhold_author_remuneration",
    "withhold_labour_remuneration",
    "withhold_payment",
    "withhold_population",
    "withhold_royalties",
    "withhold_wages_month",
    "withhold_wages_year",
]
