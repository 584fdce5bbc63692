"""Small-scale VAT taxpayers (小规模纳税人): a monthly or quarterly return and its surcharges.

Rules, each a dated parameter in ``parameters/vat.json``:

- Sales within the exemption threshold (monthly or quarterly, by filing period) are exempt, except
  sales on special VAT invoices, which are always taxed (财税〔2019〕13号; 2021年第11号; 2023年第1号/第19号).
- Otherwise sales are taxed at the reduced rate in force (1 % instead of the 3 % levy rate from
  2020-03 and again 2023-01 to 2027-12; exempt 2022-04 to 2022-12 except on special invoices).
- Tax-inclusive sales become tax-exclusive as sales ÷ (1 + rate), rounded half up to the fen; for
  sales exempt under a 0 % rate, the 3 % levy rate is used to state them tax-exclusive.
- Surcharges on the VAT paid: urban maintenance and construction tax 7 % / 5 % / 1 % by location,
  education surcharge 3 %, local education surcharge 2 %; the two education surcharges are exempt when
  sales are within 100,000 a month / 300,000 a quarter (财税〔2016〕12号); each is then halved for
  small-scale taxpayers while the "six taxes, two fees" relief applies.

Parameters are taken as in force on the first day of the period (2020Q1 is the one quarter in which
a rate changed mid-period; a quarterly filer's March 2020 sales at 1 % are not split out here).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from smartgov.kit.errors import InvalidInput

from .base import Explained, amount, choice
from .params import param
from .periods import parse_period
from .rounding import apply_rate, divide
from .trace import Trace

LOCATIONS = ("urban", "county_town", "other")


@dataclass(frozen=True)
class VatSales:
    period: str  # YYYY-MM (monthly filer) or YYYYQn (quarterly filer)
    sales_ordinary: int = 0  # fen; on ordinary invoices or none
    sales_special_invoice: int = 0  # fen; on special VAT invoices
    prices_include_tax: bool = True
    location: str = "urban"  # urban | county_town | other (城市维护建设税法 第四条)


@dataclass(frozen=True, kw_only=True)
class VatReturn(Explained):
    period: str
    sales_total: int  # tax-exclusive
    below_threshold: bool
    vat: int
    vat_relief: int
    urban_maintenance: int
    education: int
    local_education: int
    surcharges: int
    total_payable: int


def vat_small_scale_return(s: VatSales) -> VatReturn:
    period = parse_period(s.period, "period", kinds=("month", "quarter"))
    on = period.start
    location = choice(s.location, "location", LOCATIONS)
    if not isinstance(s.prices_include_tax, bool):
        raise InvalidInput.for_field("prices_include_tax", "Say true or false.")
    ordinary_in = amount(s.sales_ordinary, "sales_ordinary")
    special_in = amount(s.sales_special_invoice, "sales_special_invoice")
    t = Trace(
        "vat_small_scale_return",
        {
            "zh-Hans": f"{period} 增值税及附加税费申报（小规模纳税人）",
            "en": f"VAT and surcharges return, small-scale taxpayer, {period}",
        },
    )
    t.input("period", str(period), "text")

    levy = param("vat.small_scale.levy_rate", on)
    rate_o = param("vat.small_scale.rate_ordinary", on)
    rate_s = param("vat.small_scale.rate_special_invoice", on)
    convert_o = rate_o if rate_o.value else levy  # exempt sales are stated tax-exclusive at the levy rate
    if s.prices_include_tax:
        t.input("sales_ordinary.inclusive", ordinary_in)
        t.input("sales_special_invoice.inclusive", special_in)
        ordinary = t.figure(
            "sales_ordinary",
            divide(ordinary_in, 1 + convert_o.value),
            rule="tax_exclusive_sales",
            formula=f"{{sales_ordinary}} ÷ (1 + {{{convert_o.name}}})",
            params=(convert_o,),
        )
        special = t.figure(
            "sales_special_invoice",
            divide(special_in, 1 + rate_s.value),
            rule="tax_exclusive_sales",
            formula=f"{{sales_special_invoice}} ÷ (1 + {{{rate_s.name}}})",
            params=(rate_s,),
        )
    else:
        ordinary = t.input("sales_ordinary", ordinary_in)
        special = t.input("sales_special_invoice", special_in)
    total = t.figure(
        "sales_total",
        ordinary + special,
        rule="vat_small_scale_return",
        formula="{sales_ordinary} + {sales_special_invoice}",
    )
    threshold = param(f"vat.small_scale.threshold_{'monthly' if period.months == 1 else 'quarterly'}", on)
    t.figure(
        "threshold", threshold.value, rule="exemption_threshold", formula=f"{{{threshold.name}}}", params=(threshold,)
    )
    below = t.figure(
        "below_threshold",
        total <= threshold.value,
        rule="exemption_threshold",
        unit="flag",
        formula="{sales_total} ≤ {threshold}",
    )

    rate_ordinary = Fraction(0) if below else rate_o.value
    vat_o = t.figure(
        "vat_ordinary",
        apply_rate(ordinary, rate_ordinary),
        rule="vat_on_sales",
        params=(rate_o,),
        formula=("0（免税）", "0 (exempt)") if rate_ordinary == 0 else f"{{sales_ordinary}} × {{{rate_o.name}}}",
    )
    vat_s = t.figure(
        "vat_special_invoice",
        apply_rate(special, rate_s.value),
        rule="vat_on_sales",
        params=(rate_s,),
        formula=f"{{sales_special_invoice}} × {{{rate_s.name}}}",
    )
    vat = t.figure("vat", vat_o + vat_s, rule="vat_on_sales", formula="{vat_ordinary} + {vat_special_invoice}")
    relief = t.figure(
        "vat_relief",
        apply_rate(ordinary, levy.value) + apply_rate(special, levy.value) - vat,
        rule="vat_relief",
        params=(levy,),
        formula=f"({{sales_ordinary}} + {{sales_special_invoice}}) × {{{levy.name}}} − {{vat}}",
    )

    umt_rate = param("surcharge.urban_maintenance", on)
    edu_rate = param("surcharge.education", on)
    local_rate = param("surcharge.local_education", on)
    edu_limit = param(f"surcharge.education_exempt_{'monthly' if period.months == 1 else 'quarterly'}_sales", on)
    reduction = param("surcharge.small_scale_reduction", on)
    edu_exempt = total <= edu_limit.value
    umt = t.figure(
        "urban_maintenance",
        apply_rate(vat, umt_rate.value[location]),
        rule="surcharge",
        formula=f"{{vat}} × {{{umt_rate.name}}} ({location})",
        params=(umt_rate,),
    )
    edu_note = ("销售额未超过标准，免征", "sales within the limit: exempt") if edu_exempt else None
    edu = t.figure(
        "education",
        0 if edu_exempt else apply_rate(vat, edu_rate.value),
        rule="surcharge",
        formula=f"{{vat}} × {{{edu_rate.name}}}",
        params=(edu_rate, edu_limit),
        note=edu_note,
    )
    local = t.figure(
        "local_education",
        0 if edu_exempt else apply_rate(vat, local_rate.value),
        rule="surcharge",
        formula=f"{{vat}} × {{{local_rate.name}}}",
        params=(local_rate, edu_limit),
        note=edu_note,
    )
    payable = 0
    for key, base in (("urban_maintenance", umt), ("education", edu), ("local_education", local)):
        cut = t.figure(
            f"{key}_reduction",
            apply_rate(base, reduction.value),
            rule="six_taxes_two_fees_reduction",
            formula=f"{{{key}}} × {{{reduction.name}}}",
            params=(reduction,),
        )
        payable += base - cut
    surcharges = t.figure(
        "surcharges",
        payable,
        rule="surcharge",
        formula=(
            "{urban_maintenance} + {education} + {local_education} − 各项减征额",
            "{urban_maintenance} + {education} + {local_education} − their reductions",
        ),
    )
    total_payable = t.figure(
        "total_payable", vat + surcharges, rule="vat_small_scale_return", formula="{vat} + {surcharges}"
    )
    return VatReturn(
        trace=t,
        period=str(period),
        sales_total=total,
        below_threshold=bool(below),
        vat=vat,
        vat_relief=relief,
        urban_maintenance=umt - apply_rate(umt, reduction.value),
        education=edu - apply_rate(edu, reduction.value),
        local_education=local - apply_rate(local, reduction.value),
        surcharges=surcharges,
        total_payable=total_payable,
    )
