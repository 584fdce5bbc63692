"""Chinese identity numbers: validation, masking and (for demos and tests) generation.

- Resident identity number, GB 11643-1999: 6-digit area code, 8-digit birth date, 3-digit
  sequence (odd for men), and an ISO 7064 MOD 11-2 check character (0-9 or X).
- Unified social credit code, GB 32100-2015: 18 characters from a 31-character alphabet
  (no I, O, Z, S, V); the last is a MOD 31 check character.
"""

from __future__ import annotations

import random
import re
from datetime import date

from smartgov.kit import clock

_RID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_RID_CHECK = "10X98765432"
# ASCII digits only: ``\d`` would also take Thai, Arabic-Indic and full-width digits, which int()
# happily reads, so "๓3..." would pass for "33...".
_RID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_SHAPE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _RID_WEIGHTS, strict=True))
    return _RID_CHECK[total % 11]


def resident_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid resident identity number, or None when it is."""
    value = value.strip().upper()
    if not _RID_SHAPE.match(value):
        return "must be 17 digits followed by a digit or X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "contains an impossible birth date"
    if born.year < 1850 or born > clock.local_now().date():
        return "contains an impossible birth date"
    if resident_id_check_char(value[:17]) != value[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is."""
    value = value.strip().upper()
    if not _USCC_SHAPE.match(value):
        return "must be 18 characters from 0-9 and A-Y without I, O, S, V, Z"
    if not value[8:17].replace("X", "0").isalnum():
        return "organisation code part is malformed"
    if uscc_check_char(value[:17]) != value[17]:
        return "check character does not match (GB 32100 MOD 31)"
    return None


def normalise(value: str) -> str:
    return value.strip().upper()


def mask(value: str, keep_start: int = 4, keep_end: int = 4) -> str:
    """``331102199001011234`` → ``3311**********1234``; short values are masked whole."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    return mask(value, 3, 4)


def fake_resident_id(rng: random.Random, area: str = "331102", born: date | None = None) -> str:
    """A checksum-valid, fictional resident identity number (for demos and tests only)."""
    if born is None:
        born = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"{area}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + resident_id_check_char(first17)


def fake_uscc(rng: random.Random, area: str = "331102") -> str:
    """A checksum-valid, fictional unified social credit code (for demos and tests only)."""
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = "91" + area + org
    return first17 + uscc_check_char(first17)
