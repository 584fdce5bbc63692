"""Payment codes (缴款码): 20 digits, the last a Luhn check digit, printed on the notice.

Random rather than sequential, so a code reveals nothing about other bills and cannot be guessed by
counting; the check digit catches a mistyped digit and most swapped neighbours before any look-up.
"""

from __future__ import annotations

import secrets

LENGTH = 20


def luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:  # doubled: the rightmost digit of the body sits next to the check digit
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def new_code() -> str:
    # The first digit is never 0, so the code survives spreadsheets that drop leading zeros.
    body = str(10 ** (LENGTH - 2) + secrets.randbelow(9 * 10 ** (LENGTH - 2)))
    return body + luhn_digit(body)


def normalise(value: str) -> str:
    """Accept the code as printed (grouped with spaces or dashes)."""
    return "".join(c for c in value if c not in " -")


def is_valid(value: str) -> bool:
    code = normalise(value)
    return len(code) == LENGTH and code.isascii() and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def grouped(code: str) -> str:
    """For print: ``1234 5678 9012 3456 7890``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
