import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from smartgov.kit import identity

# Published examples: the GB 11643 sample number, and real registered credit codes.
KNOWN_VALID_IDS = ["11010519491231002X", "440524188001010014"]
KNOWN_VALID_USCC = ["91350100M000100Y43", "91110000802100433B"]


def test_known_numbers_validate():
    for value in KNOWN_VALID_IDS:
        assert identity.resident_id_problem(value) is None
    for value in KNOWN_VALID_USCC:
        assert identity.uscc_problem(value) is None


def test_wrong_check_character_is_named():
    assert "check character" in identity.resident_id_problem("110105194912310021")
    assert "check character" in identity.uscc_problem("91350100M000100Y44")


def test_shape_and_date_problems():
    assert identity.resident_id_problem("12345") == "must be 17 digits followed by a digit or X"
    assert identity.resident_id_problem("110105194902300021") == "contains an impossible birth date"
    assert "must be 18 characters" in identity.uscc_problem("91350100M000100I43")


def test_lower_case_x_is_accepted():
    assert identity.resident_id_problem("11010519491231002x") is None


def test_mask():
    assert identity.mask("331102199001011234") == "3311**********1234"
    assert identity.mask_phone("13812345678") == "138****5678"
    assert identity.mask("abc") == "***"


@st.composite
def resident_ids(draw):
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    area = draw(st.from_regex(r"\A[1-8]\d{5}\Z"))
    seed = draw(st.integers(0, 2**32))
    return identity.fake_resident_id(random.Random(seed), area, born)


@given(resident_ids())
def test_generated_ids_are_valid(value):
    assert identity.resident_id_problem(value) is None


@given(resident_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(value, position, delta):
    """MOD 11-2 detects every single-digit substitution (its weights are non-zero mod 11)."""
    digit = (int(value[position]) + delta) % 10
    changed = value[:position] + str(digit) + value[position + 1 :]
    if changed[6:14] != value[6:14]:
        problem = identity.resident_id_problem(changed)
        assert problem is not None  # either the date became impossible or the check fails
    else:
        assert identity.resident_id_problem(changed) is not None


@given(st.integers(0, 2**32))
def test_generated_credit_codes_are_valid(seed):
    assert identity.uscc_problem(identity.fake_uscc(random.Random(seed))) is None


@given(st.integers(0, 2**32), st.integers(0, 16), st.integers(1, 30))
def test_any_single_character_change_in_a_credit_code_is_caught(seed, position, delta):
    value = identity.fake_uscc(random.Random(seed))
    alphabet = identity.USCC_ALPHABET
    changed_char = alphabet[(alphabet.index(value[position]) + delta) % 31]
    changed = value[:position] + changed_char + value[position + 1 :]
    assert identity.uscc_problem(changed) is not None
