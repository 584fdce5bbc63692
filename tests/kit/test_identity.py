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
    area = draw(st.from_regex(r"\A[1-8][0-9]{5}\Z"))
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


def oracle_resident_check(first17: str) -> str:
    """GB 11643 written out from the standard, independently of the module: S = sum(a_i * 2^(i-1))
    over positions 18..2 counted from the right, check = (12 - S mod 11) mod 11, 10 written X."""
    total = sum(int(a) * 2 ** (18 - position) for position, a in enumerate(first17, start=1))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def oracle_uscc_check(first17: str) -> str:
    """GB 32100: C18 = 31 - (sum(C_i * W_i) mod 31), W_i = 3^(i-1) mod 31, 31 written 0."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    value = 31 - total % 31
    return alphabet[0 if value == 31 else value]


FIRST17 = r"\A[1-8][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"


def test_digits_from_other_scripts_are_refused():
    """Found by hypothesis: Thai or full-width digits must not pass for ASCII ones."""
    assert identity.resident_id_problem("๓30000200001018644") is not None
    assert identity.resident_id_problem("１１0105194912310021"[:18]) is not None


@given(st.from_regex(FIRST17), st.sampled_from("0123456789X"))
def test_resident_ids_agree_with_the_standard_written_out(first17, check):
    valid = identity.resident_id_problem(first17 + check) is None
    assert valid == (check == oracle_resident_check(first17))


@given(st.text(alphabet=identity.USCC_ALPHABET, min_size=17, max_size=17), st.sampled_from(identity.USCC_ALPHABET))
def test_credit_codes_agree_with_the_standard_written_out(first17, check):
    assert (identity.uscc_problem(first17 + check) is None) == (check == oracle_uscc_check(first17))


@given(resident_ids(), st.integers(0, 15))
def test_any_adjacent_transposition_is_caught(value, position):
    a, b = value[position], value[position + 1]
    if a == b:
        return
    swapped = value[:position] + b + a + value[position + 2 :]
    assert identity.resident_id_problem(swapped) is not None


@given(st.text(max_size=40))
def test_validators_never_crash_and_reject_anything_malformed(value):
    for check in (identity.resident_id_problem, identity.uscc_problem):
        problem = check(value)
        assert problem is None or isinstance(problem, str)
    if len(value.strip()) != 18:
        assert identity.resident_id_problem(value) is not None
        assert identity.uscc_problem(value) is not None


@given(st.text(min_size=9, max_size=40))
def test_masking_keeps_only_the_ends(value):
    masked = identity.mask(value)
    assert len(masked) == len(value)
    assert masked[:4] == value[:4] and masked[-4:] == value[-4:]
    assert set(masked[4:-4]) == {"*"}
