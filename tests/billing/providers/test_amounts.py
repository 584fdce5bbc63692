"""Yuan on the wire, fen inside: exact both ways, and nothing but the strict wire form accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgov.billing.providers._common import fen_to_yuan, signed_yuan_to_fen, yuan_to_fen

FEN = st.integers(min_value=0, max_value=10**14 - 1)


@given(FEN)
def test_fen_to_yuan_and_back_is_exact(fen):
    text = fen_to_yuan(fen)
    assert yuan_to_fen(text) == fen
    assert Decimal(text) * 100 == fen
    assert len(text.split(".")[1]) == 2


@given(whole=st.integers(min_value=0, max_value=10**12), cents=st.integers(min_value=0, max_value=99))
def test_yuan_text_converts_like_decimal(whole, cents):
    assert yuan_to_fen(f"{whole}.{cents:02d}") == whole * 100 + cents
    if cents % 10 == 0:
        assert yuan_to_fen(f"{whole}.{cents // 10}") == whole * 100 + cents


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e9))
def test_no_float_rounding_sneaks_in(value):
    text = repr(value)
    try:
        fen = yuan_to_fen(text)
    except ValueError:
        return
    assert Decimal(text) * 100 == fen


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1e3",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.234",
        "01.00",
        "1.",
        ".5",
        "１",
        "1,000.00",
        "NaN",
        "Infinity",
        "0x10",
        "1_000",
    ],
)
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError):
        yuan_to_fen(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "12"])
def test_fen_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError):
        fen_to_yuan(bad)


def test_statement_figures_allow_sign_and_zero_padding_but_not_fractions_of_a_fen():
    assert signed_yuan_to_fen("-0.06000") == -6
    assert signed_yuan_to_fen("123.45") == 12345
    with pytest.raises(ValueError, match="whole number of fen"):
        signed_yuan_to_fen("0.00100")
