from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgov.kit import money


@pytest.mark.parametrize(
    ("fen", "written"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (50, "伍角"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (1_000, "壹拾元整"),
        (123_456, "壹仟贰佰叁拾肆元伍角陆分"),
        (100_500, "壹仟零伍元整"),
        (2_050_000, "贰万零伍佰元整"),
        (10_000_000, "壹拾万元整"),
        (100_010_000, "壹佰万零壹佰元整"),
        (10_001_000_000, "壹亿零壹万元整"),
        (-123, "负壹元贰角叁分"),
    ],
)
def test_capital_numerals_follow_the_payment_settlement_rules(fen, written):
    assert money.capital_numerals(fen) == written


@given(st.integers(min_value=1, max_value=10**15))
def test_capital_numerals_never_double_a_zero_and_end_properly(fen):
    written = money.capital_numerals(fen)
    assert "零零" not in written
    assert not written.startswith("零")
    assert written.endswith(("整", "角", "分"))


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_decimal_text_round_trips_exactly(fen):
    assert money.parse_amount(money.to_decimal_text(fen)) == fen
    assert Decimal(money.to_decimal_text(fen)) * 100 == fen


@pytest.mark.parametrize("bad", ["1.234", "abc", "", "NaN", "Infinity", "1e-3"])
def test_parse_amount_refuses_what_is_not_an_amount_in_fen(bad):
    with pytest.raises(ValueError):
        money.parse_amount(bad)


def test_parse_and_format():
    assert money.parse_amount("1,234.5") == 123_450
    assert money.parse_amount(12) == 1_200
    assert money.format_amount(123_456) == "¥1,234.56"
    assert money.format_amount(-5) == "-¥0.05"
    with pytest.raises(ValueError):
        money.parse_amount(True)
