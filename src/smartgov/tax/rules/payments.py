"""Withholding per payment on labour remuneration, author's remuneration and royalties
(国家税务总局公告2018年第61号 第八条).

    expense        = 800 when the payment is ≤ 4,000, otherwise payment × 20 %
    income amount  = payment − expense; author's remuneration counts 70 % of that
    labour         : income amount × table-2 rate − quick deduction (20 % / 30 % − 2,000 / 40 % − 7,000)
    author, royalty: income amount × 20 %

Rounding: the 20 % expense and the 70 % income amount are figures on the return, so each is rounded
to the fen (half up) where it is computed; the tax is rounded once more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .base import Explained, amount, choice
from .params import param
from .periods import parse_period
from .rounding import apply_rate
from .tables import tax_by_table
from .trace import Trace

KINDS = ("labour_remuneration", "author_remuneration", "royalties")
_TITLES = {
    "labour_remuneration": ("劳务报酬所得预扣预缴", "Withholding on labour remuneration"),
    "author_remuneration": ("稿酬所得预扣预缴", "Withholding on author's remuneration"),
    "royalties": ("特许权使用费所得预扣预缴", "Withholding on royalties"),
}


@dataclass(frozen=True, kw_only=True)
class PaymentWithholding(Explained):
    kind: str
    payment: int
    income_amount: int
    withholding: int


def prepayment_income_amount(kind: str, payment: int, on: date, t: Trace) -> int:
    limit = param("iit.prepayment_fixed_expense_limit", on)
    fixed = param("iit.prepayment_fixed_expense", on)
    rate = param("iit.expense_rate", on)
    if payment <= limit.value:
        expense = min(payment, fixed.value)
        t.figure(
            "expense",
            expense,
            rule="prepayment_expense",
            params=(fixed, limit),
            formula=f"{{{fixed.name}}} ({{payment}} ≤ {{{limit.name}}})",
        )
    else:
        expense = apply_rate(payment, rate.value)
        t.figure(
            "expense",
            expense,
            rule="prepayment_expense",
            params=(rate, limit),
            formula=f"{{payment}} × {{{rate.name}}} ({{payment}} > {{{limit.name}}})",
        )
    income_amount = t.figure(
        "income_amount", payment - expense, rule="prepayment_income_amount", formula="{payment} − {expense}"
    )
    if kind == "author_remuneration":
        factor = param("iit.author_income_factor", on)
        income_amount = t.figure(
            "income_amount",
            apply_rate(income_amount, factor.value),
            rule="author_income_amount",
            formula=f"{{income_amount}} × {{{factor.name}}}",
            params=(factor,),
        )
    return int(income_amount)


def withhold_payment(kind: str, payment: int, period: str) -> PaymentWithholding:
    """Tax to withhold from one payment of labour remuneration, author's remuneration or royalties."""
    kind = choice(kind, "kind", KINDS)
    on = parse_period(period, "period", kinds=("month",)).start
    payment = amount(payment, "payment")
    zh, en = _TITLES[kind]
    t = Trace("withhold_payment", {"zh-Hans": f"{period} {zh}", "en": f"{en}, {period}"})
    t.input("payment", payment)
    income_amount = prepayment_income_amount(kind, payment, on, t)
    if kind == "labour_remuneration":
        table = param("iit.labour_prepayment_table", on)
        tax = tax_by_table(
            income_amount, table, t, rule="labour_prepayment_tax", key="withholding", base="income_amount"
        )
    else:
        rate = param("iit.author_royalty_prepayment_rate", on)
        tax = t.figure(
            "withholding",
            apply_rate(income_amount, rate.value),
            rule="author_royalty_prepayment_tax",
            formula=f"{{income_amount}} × {{{rate.name}}}",
            params=(rate,),
        )
    return PaymentWithholding(trace=t, kind=kind, payment=payment, income_amount=income_amount, withholding=int(tax))


def withhold_labour_remuneration(payment: int, period: str) -> PaymentWithholding:
    return withhold_payment("labour_remuneration", payment, period)


def withhold_author_remuneration(payment: int, period: str) -> PaymentWithholding:
    return withhold_payment("author_remuneration", payment, period)


def withhold_royalties(payment: int, period: str) -> PaymentWithholding:
    return withhold_payment("royalties", payment, period)
