"""Money as integer minor units (fen): parsing, display, and Chinese capital numerals.

No float ever touches an amount: text is parsed with ``Decimal`` and refused when it has more
decimals than the currency. The capital numerals (人民币大写) follow the rules of the People's Bank
of China's 《支付结算办法》 for writing amounts on notes and receipts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CNY = "CNY"
MINOR_UNITS = {"CNY": 2, "HKD": 2, "USD": 2, "EUR": 2, "JPY": 0}
SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€", "JPY": "JP¥"}

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def parse_amount(text: str | int, currency: str = CNY) -> int:
    """``"12.34"`` → ``1234``. Refuses floats' rounding by refusing excess decimals; raises ValueError."""
    if isinstance(text, bool):
        raise ValueError("an amount is a number, not a boolean")
    if isinstance(text, int):
        return text * 10 ** MINOR_UNITS[currency]
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    minor = value.scaleb(MINOR_UNITS[currency])
    if minor != minor.to_integral_value():
        raise ValueError(f"{text!r} has more than {MINOR_UNITS[currency]} decimals")
    return int(minor)


def to_decimal_text(minor: int, currency: str = CNY) -> str:
    """``1234`` → ``"12.34"`` (no grouping, no symbol): the form providers' APIs expect."""
    places = MINOR_UNITS[currency]
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"


def format_amount(minor: int, currency: str = CNY) -> str:
    """``123456`` → ``"¥1,234.56"`` for display."""
    places = MINOR_UNITS[currency]
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**places)
    fraction = f".{part:0{places}d}" if places else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}{fraction}"


def _integer_capital(number: int) -> str:
    digits = str(number)
    length = len(digits)
    out: list[str] = []
    zero_pending = False
    for index, char in enumerate(digits):
        position = length - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = True
        else:
            if zero_pending and out:
                out.append("零")
            zero_pending = False
            out.append(_DIGITS[digit] + _SMALL_UNITS[position % 4])
        if position % 4 == 0 and position > 0:
            group = digits[max(0, index - 3) : index + 1]
            if int(group):
                out.append(_GROUP_UNITS[position // 4])
    return "".join(out)


def capital_numerals(fen: int) -> str:
    """An amount in fen written in Chinese capital numerals: ``123456`` → ``壹仟贰佰叁拾肆元伍角陆分``.

    Whole yuan end in 整; a zero between yuan and fen is written (``壹元零伍分``); amounts under one
    yuan start at the first non-zero unit (``伍角``); zero is ``零元整``; negatives take 负.
    """
    if fen < 0:
        return "负" + capital_numerals(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, fen_part = divmod(rest, 10)
    if fen == 0:
        return "零元整"
    out = _integer_capital(yuan) + "元" if yuan else ""
    if jiao == 0 and fen_part == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen_part:
        out += _DIGITS[fen_part] + "分"
    return out
