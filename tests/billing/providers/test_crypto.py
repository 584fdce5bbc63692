"""The signature primitives: SHA256withRSA and SM2-with-SM3, round trips and refusals."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartgov.billing.providers import _crypto
from smartgov.billing.providers._crypto import generate_rsa_keypair, generate_sm2_keypair, signer_for, verifier_for

RSA = generate_rsa_keypair()
RSA_OTHER = generate_rsa_keypair()
SM2 = generate_sm2_keypair()
SM2_OTHER = generate_sm2_keypair()
KEYS = {"RSA": (RSA, RSA_OTHER), "SM2": (SM2, SM2_OTHER)}


@pytest.mark.parametrize("algorithm", ["RSA", "SM2"])
def test_round_trip_and_refusals(algorithm):
    (private, public), (_, other_public) = KEYS[algorithm]
    signature = signer_for(algorithm, private).sign(b"out_trade_no=SG-1&total_amount=1.00")
    assert verifier_for(algorithm, public).verify(b"out_trade_no=SG-1&total_amount=1.00", signature)
    assert not verifier_for(algorithm, public).verify(b"out_trade_no=SG-1&total_amount=1.01", signature)
    assert not verifier_for(algorithm, other_public).verify(b"out_trade_no=SG-1&total_amount=1.00", signature)
    flipped = bytes([signature[0]]) + bytes([signature[1] ^ 1]) + signature[2:]
    assert not verifier_for(algorithm, public).verify(b"out_trade_no=SG-1&total_amount=1.00", flipped)
    for garbage in (
        "",
        "not base64!",
        base64.b64encode(b"\x30\x02\x02\x00").decode(),
        base64.b64encode(signature + b"\x00").decode(),
    ):
        assert not verifier_for(algorithm, public).verify_b64(b"out_trade_no=SG-1&total_amount=1.00", garbage)


@settings(max_examples=15, deadline=None)
@given(data=st.binary(max_size=300))
def test_sm2_signs_anything(data):
    private, public = SM2
    signature = signer_for("SM2", private).sign_b64(data)
    assert verifier_for("SM2", public).verify_b64(data, signature)
    assert not verifier_for("SM2", public).verify_b64(data + b"\x00", signature)


def test_sm2_signatures_are_der_and_randomised():
    private = SM2[0]
    first, second = (signer_for("SM2", private).sign(b"same") for _ in range(2))
    assert first != second  # a fresh k each time (a repeated k would leak the private key)
    assert first[0] == 0x30 and _crypto._sm2_under(first)


def test_sm2_signature_with_out_of_range_scalars_is_refused():
    _, public = SM2
    n = _crypto._SM2_N
    for r, s in ((0, 1), (1, 0), (n, 1), (1, n)):
        assert not verifier_for("SM2", public).verify(b"data", _crypto._sm2_der(r, s))


def test_sm2_public_key_beginning_with_zero_or_four_is_kept_whole():
    """gmssl strips a leading "04" with lstrip, which would also eat an x coordinate's leading 0s and 4s."""
    point = "0404" + "ab" * 62
    engine = _crypto._sm2_engine("", "04" + point)
    assert engine.public_key == point


def test_public_key_of_matches_the_generated_pair():
    assert _crypto.public_key_of("SM2", SM2[0]) == SM2[1]
    assert _crypto.public_key_of("RSA", RSA[0]) == RSA[1]


def test_fingerprints_name_keys():
    assert verifier_for("RSA", RSA[1]).fingerprint != verifier_for("RSA", RSA_OTHER[1]).fingerprint
    assert len(verifier_for("SM2", SM2[1]).fingerprint) == 40
