"""Explanations: every figure a rule computes is recorded with the rule that computed it, the
formula in words, the parameters it used (value, effective date, legal source) and the figures it
came from. The text is in the trace itself, in Simplified Chinese and English, so the API can hand
it to payroll software and the portal can show it without knowing the rules.

A trace renders for two audiences: the taxpayer (each figure, how it was obtained) and staff (the
same plus rule names, parameter names, effective dates and sources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from smartgov.kit.money import format_amount

from .params import ParamValue, _plain, _rate_text

LANGUAGES = ("zh-Hans", "en")

# key → (zh-Hans, en). Figures whose key is not here fall back to the key itself.
LABELS: dict[str, tuple[str, str]] = {
    # wages, cumulative method
    "period": ("所属期", "period"),
    "months_employed": ("本单位任职月份数", "months employed by this employer this year"),
    "basic_deduction_months": ("累计减除费用月份数", "months of basic deduction"),
    "cumulative_income": ("累计收入", "cumulative income"),
    "cumulative_exempt_income": ("累计免税收入", "cumulative exempt income"),
    "cumulative_basic_deduction": ("累计减除费用", "cumulative basic deduction"),
    "cumulative_special_deductions": ("累计专项扣除", "cumulative special deductions (social insurance, housing fund)"),
    "cumulative_special_additional": ("累计专项附加扣除", "cumulative special additional deductions"),
    "cumulative_other_deductions": ("累计依法确定的其他扣除", "cumulative other deductions"),
    "cumulative_taxable": ("累计预扣预缴应纳税所得额", "cumulative taxable income"),
    "cumulative_tax": ("累计应纳税额", "cumulative tax"),
    "cumulative_reliefs": ("累计减免税额", "cumulative tax reliefs"),
    "cumulative_withheld": ("累计已预扣预缴税额", "tax already withheld this year"),
    "withholding_due": ("本期应预扣预缴税额（未调整）", "this month's difference"),
    "withholding": ("本期应预扣预缴税额", "tax to withhold this month"),
    "rate": ("税率/预扣率", "rate"),
    "quick_deduction": ("速算扣除数", "quick deduction"),
    "taxable": ("应纳税所得额", "taxable income"),
    "tax": ("应纳税额", "tax"),
    # per-payment withholding
    "payment": ("每次收入", "payment"),
    "expense": ("减除费用", "expense deducted"),
    "income_amount": ("收入额", "income amount"),
    # bonus
    "bonus": ("全年一次性奖金收入", "annual one-off bonus"),
    "bonus_monthly_average": ("奖金除以12个月的商数", "bonus divided by 12"),
    "bonus_tax": ("全年一次性奖金应纳税额", "tax on the bonus"),
    # annual
    "wages": ("工资、薪金收入", "wages"),
    "labour_remuneration": ("劳务报酬收入", "labour remuneration"),
    "author_remuneration": ("稿酬收入", "author's remuneration"),
    "royalties": ("特许权使用费收入", "royalties"),
    "labour_income_amount": ("劳务报酬收入额", "labour remuneration income amount"),
    "author_income_amount": ("稿酬收入额", "author's remuneration income amount"),
    "royalty_income_amount": ("特许权使用费收入额", "royalties income amount"),
    "gross_income": ("综合所得收入合计", "total comprehensive income"),
    "comprehensive_income": ("综合所得收入额", "comprehensive income amount"),
    "exempt_income": ("免税收入", "exempt income"),
    "basic_deduction": ("基本减除费用", "basic deduction"),
    "special_deductions": ("专项扣除", "special deductions (social insurance, housing fund)"),
    "special_additional": ("专项附加扣除合计", "special additional deductions"),
    "serious_illness": ("大病医疗扣除", "serious illness deduction"),
    "serious_illness_expense": ("医保目录范围内自付医药费用", "out-of-pocket medical expenses"),
    "other_deductions": ("依法确定的其他扣除", "other deductions"),
    "annual_tax": ("综合所得应纳税额", "tax on comprehensive income"),
    "total_tax": ("全年应纳税额合计", "total tax for the year"),
    "reliefs": ("减免税额", "tax reliefs"),
    "prepaid": ("已预缴税额", "tax prepaid (withheld)"),
    "balance": ("应补（退）税额", "amount due (negative: refund)"),
    "filing_required": ("是否需要办理汇算", "must file the reconciliation"),
    "children_education": ("子女教育", "children's education"),
    "infant_care": ("3岁以下婴幼儿照护", "infant care"),
    "continuing_education": ("继续教育（学历）", "continuing education (degree)"),
    "vocational_certificate": ("继续教育（职业资格证书）", "continuing education (certificate)"),
    "housing_loan_interest": ("住房贷款利息", "housing-loan interest"),
    "housing_rent": ("住房租金", "housing rent"),
    "elderly_support": ("赡养老人", "elderly support"),
    "private_pension": ("个人养老金", "private pension"),
    "health_insurance": ("商业健康保险", "commercial health insurance"),
    "other": ("其他扣除", "other"),
    "special_additional_declared": ("年度申报的专项附加扣除", "special additional deductions declared for the year"),
    "special_additional_applied": ("扣缴单位已扣除的专项附加扣除", "special additional deductions employers applied"),
    "other_deductions_declared": ("年度申报的其他扣除", "other deductions declared for the year"),
    "private_pension_applied": ("扣缴单位已扣除的个人养老金", "private pension employers applied"),
    "health_insurance_applied": ("扣缴单位已扣除的商业健康保险", "commercial health insurance employers applied"),
    "other_applied": ("扣缴单位已扣除的其他扣除", "other deductions employers applied"),
    # a declaration on the portal
    "deduction_kind": ("扣除项目", "deduction"),
    "children": ("子女人数", "children"),
    "months": ("申报月份数", "months declared"),
    "share_percent": ("扣除比例（%）", "share (%)"),
    "rent_city_tier": ("主要工作城市类别", "city tier of the main place of work"),
    "monthly_share": ("每月分摊额", "monthly share"),
    "contributions": ("个人养老金缴费", "private pension contributions"),
    "declared_amount": ("年度扣除金额", "yearly deduction"),
    # VAT
    "sales_ordinary": ("未开具专用发票的销售额", "sales without special VAT invoices"),
    "sales_special_invoice": ("开具增值税专用发票的销售额", "sales on special VAT invoices"),
    "sales_total": ("合计销售额", "total sales"),
    "threshold": ("免税标准", "exemption threshold"),
    "below_threshold": ("未超过免税标准", "within the exemption threshold"),
    "vat_ordinary": ("普通销售应纳税额", "VAT on other sales"),
    "vat_special_invoice": ("专用发票销售应纳税额", "VAT on special-invoice sales"),
    "vat": ("本期应纳增值税额", "VAT payable"),
    "vat_relief": ("本期增值税减免税额", "VAT relieved"),
    "urban_maintenance": ("城市维护建设税", "urban maintenance and construction tax"),
    "education": ("教育费附加", "education surcharge"),
    "local_education": ("地方教育附加", "local education surcharge"),
    "urban_maintenance_reduction": ("城市维护建设税减征额", "urban maintenance tax reduction"),
    "education_reduction": ("教育费附加减征额", "education surcharge reduction"),
    "local_education_reduction": ("地方教育附加减征额", "local education surcharge reduction"),
    "surcharges": ("附加税费合计", "surcharges payable"),
    "total_payable": ("应缴合计", "total payable"),
}

_PLACEHOLDER = re.compile(r"\{([\w.]+)\}")


def label(key: str, lang: str) -> str:
    pair = LABELS.get(key)
    if pair is None:
        base = key.rsplit(".", 1)[-1]
        pair = LABELS.get(base, (key, key))
    return pair[0] if lang == "zh-Hans" else pair[1]


def format_value(value: Any, unit: str, lang: str) -> str:
    if unit == "fen":
        return format_amount(int(value))
    if unit == "rate":
        return f"{_rate_text(Fraction(value) * 100)}%"
    if unit == "flag":
        return ("是" if value else "否") if lang == "zh-Hans" else ("yes" if value else "no")
    return str(value)


@dataclass(frozen=True)
class Figure:
    key: str
    value: Any
    unit: str  # fen | rate | count | flag | text
    rule: str  # the rule function that produced it ("input" for what the caller gave)
    label: dict[str, str]
    formula: dict[str, str]  # empty for inputs
    params: tuple[ParamValue, ...] = ()
    note: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": _plain(self.value),
            "unit": self.unit,
            "rule": self.rule,
            "label": dict(self.label),
            "formula": dict(self.formula),
            "params": [p.as_dict() for p in self.params],
            "note": dict(self.note),
        }


def _render_formula(template: str, lang: str, params: tuple[ParamValue, ...]) -> str:
    by_name = {p.name: p for p in params}

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in by_name:
            return by_name[key].label["zh-Hans" if lang == "zh-Hans" else "en"]
        return label(key, lang)

    return _PLACEHOLDER.sub(sub, template)


@dataclass
class Trace:
    """The figures of one computation, in the order they were computed."""

    rule: str
    title: dict[str, str]
    figures: list[Figure] = field(default_factory=list)

    def input(self, key: str, value: Any, unit: str = "fen") -> Any:
        self.figures.append(Figure(key, value, unit, "input", _both(key), {}))
        return value

    def figure(
        self,
        key: str,
        value: Any,
        *,
        rule: str,
        formula: str | tuple[str, str],
        params: tuple[ParamValue, ...] = (),
        unit: str = "fen",
        note: tuple[str, str] | None = None,
    ) -> Any:
        """Record a computed figure. ``formula`` names figures and parameters as ``{key}``; give a
        (zh-Hans, en) pair when it also has words of its own."""
        templates = dict(zip(LANGUAGES, formula if isinstance(formula, tuple) else (formula, formula), strict=True))
        self.figures.append(
            Figure(
                key,
                value,
                unit,
                rule,
                _both(key),
                {lang: _render_formula(templates[lang], lang, params) for lang in LANGUAGES},
                params,
                {"zh-Hans": note[0], "en": note[1]} if note else {},
            )
        )
        return value

    def extend(self, other: Trace, prefix: str = "") -> None:
        for f in other.figures:
            if prefix:
                f = Figure(prefix + f.key, f.value, f.unit, f.rule, f.label, f.formula, f.params, f.note)
            self.figures.append(f)

    def get(self, key: str) -> Figure:
        for f in reversed(self.figures):
            if f.key == key:
                return f
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": dict(self.title), "figures": [f.as_dict() for f in self.figures]}

    def explain(self, lang: str = "zh-Hans", audience: str = "taxpayer") -> str:
        """The trace as text, one figure a line; ``audience="staff"`` adds rules, parameters and sources."""
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")
        staff = audience == "staff"
        lines = [self.title[lang] + (f"  [{self.rule}]" if staff else "")]
        for f in self.figures:
            text = f"- {f.label[lang]}: {format_value(f.value, f.unit, lang)}"
            if f.formula:
                text += f"  = {f.formula[lang]}"
            elif f.rule == "input":
                text += "（申报）" if lang == "zh-Hans" else " (declared)"
            if f.note:
                text += f"  ({f.note[lang]})"
            if staff and f.rule != "input":
                text += f"  [{f.rule}]"
            lines.append(text)
            if staff:
                for p in f.params:
                    since = "起施行" if lang == "zh-Hans" else "in force from"
                    value = format_param(p, lang)
                    if lang == "zh-Hans":
                        lines.append(
                            f"    · {p.name} = {value}，{p.effective_from.isoformat()}{since}；依据：{p.source}"
                        )
                    else:
                        lines.append(
                            f"    · {p.name} = {value}, {since} {p.effective_from.isoformat()}; source: {p.source}"
                        )
        return "\n".join(lines)


def format_param(p: ParamValue, lang: str) -> str:
    v = p.value
    if isinstance(v, Fraction):
        return format_value(v, "rate", lang)
    if isinstance(v, bool):
        return format_value(v, "flag", lang)
    if isinstance(v, int):
        return format_value(v, "fen", lang)
    if isinstance(v, tuple):
        return "; ".join(
            f"≤{format_amount(b.up_to) if b.up_to is not None else '∞'} {format_value(b.rate, 'rate', lang)}"
            f" −{format_amount(b.quick_deduction)}"
            for b in v
        )
    if isinstance(v, dict):
        return ", ".join(
            f"{k}: {format_value(x, 'rate', lang) if isinstance(x, Fraction) else format_amount(x)}"
            for k, x in v.items()
        )
    return str(v)


def _both(key: str) -> dict[str, str]:
    return {lang: label(key, lang) for lang in LANGUAGES}
