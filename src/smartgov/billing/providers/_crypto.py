"""Signature primitives the channel formats are built on: SHA256withRSA and SM2-with-SM3.

A channel decides *what* bytes are signed and how the signature travels; this module only signs and
verifies bytes. RSA keys are PEM (PKCS#8 private, SubjectPublicKeyInfo public). SM2 keys are hex: the
private key is the 32-byte scalar (64 hex digits), the public key the uncompressed point ``04‖x‖y``
(130 hex digits); SM2 signatures are DER ``SEQUENCE {r, s}`` (GM/T 0009) and use the default user id
``1234567812345678``, as every provider SDK does.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from gmssl import sm2

Algorithm = Literal["RSA", "SM2"]

_SM2_N = int(sm2.default_ecc_table["n"], 16)


def _der_int(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8 or 1, "big")
    return b"\x02" + bytes([len(body)]) + body


def _sm2_der(r: int, s: int) -> bytes:
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def _sm2_under(signature: bytes) -> tuple[int, int]:
    """Strict DER parse of SEQUENCE {INTEGER r, INTEGER s}; anything else is not a signature."""
    if len(signature) < 8 or signature[0] != 0x30 or signature[1] != len(signature) - 2:
        raise ValueError("not a DER SM2 signature")
    values = []
    pos = 2
    for _ in range(2):
        if pos + 2 > len(signature) or signature[pos] != 0x02:
            raise ValueError("not a DER SM2 signature")
        length = signature[pos + 1]
        body = signature[pos + 2 : pos + 2 + length]
        if len(body) != length or length == 0 or length > 33:
            raise ValueError("not a DER SM2 signature")
        values.append(int.from_bytes(body, "big"))
        pos += 2 + length
    if pos != len(signature):
        raise ValueError("trailing bytes after the SM2 signature")
    return values[0], values[1]


def _sm2_engine(private_hex: str, public_hex: str) -> sm2.CryptSM2:
    engine = sm2.CryptSM2(private_key=private_hex, public_key="")
    # gmssl strips a leading "04" with str.lstrip, which also eats a leading 0 or 4 of x: set it directly.
    engine.public_key = public_hex[2:] if len(public_hex) == 130 else public_hex
    return engine


@functools.lru_cache(maxsize=64)
def _rsa_private(pem: str) -> rsa.RSAPrivateKey:
    """Parsing an RSA private key checks it (tens of milliseconds): do it once per key."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the configured private key is not an RSA key")
    return key


@functools.lru_cache(maxsize=64)
def _rsa_public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the configured public key is not an RSA key")
    return key


@dataclass(frozen=True)
class Signer:
    """Our (or, in the simulator, the provider's) private key under one algorithm."""

    algorithm: Algorithm
    private_key: str  # PEM for RSA, hex scalar for SM2
    public_key: str = ""  # SM2 signing needs the public point too (it enters Z_A)

    def sign(self, data: bytes) -> bytes:
        if self.algorithm == "RSA":
            return _rsa_private(self.private_key).sign(data, padding.PKCS1v15(), hashes.SHA256())
        engine = _sm2_engine(self.private_key, self.public_key)
        while True:
            # gmssl draws k from the non-cryptographic ``random`` module when none is given: never let it.
            k = f"{secrets.randbelow(_SM2_N - 1) + 1:064x}"
            signed = engine.sign_with_sm3(data, k)
            if signed:
                return _sm2_der(int(signed[:64], 16), int(signed[64:], 16))

    def sign_b64(self, data: bytes) -> str:
        return base64.b64encode(self.sign(data)).decode()


@dataclass(frozen=True)
class Verifier:
    """The other side's public key under one algorithm."""

    algorithm: Algorithm
    public_key: str  # PEM for RSA, 04‖x‖y hex for SM2

    def verify(self, data: bytes, signature: bytes) -> bool:
        if self.algorithm == "RSA":
            try:
                _rsa_public(self.public_key).verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                return False
            return True
        try:
            r, s = _sm2_under(signature)
        except ValueError:
            return False
        if not (0 < r < _SM2_N and 0 < s < _SM2_N):
            return False
        engine = _sm2_engine("", self.public_key)
        try:
            return bool(engine.verify_with_sm3(f"{r:064x}{s:064x}", data))
        except (ValueError, TypeError, IndexError):
            return False

    def verify_b64(self, data: bytes, signature_b64: str) -> bool:
        try:
            signature = base64.b64decode(signature_b64.encode(), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return False
        return self.verify(data, signature)

    @property
    def fingerprint(self) -> str:
        """A stable serial-number stand-in for this key (what a certificate serial identifies)."""
        return hashlib.sha256(self.public_key.strip().encode()).hexdigest()[:40].upper()


def generate_rsa_keypair(bits: int = 2048) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def generate_sm2_keypair() -> tuple[str, str]:
    d = secrets.randbelow(_SM2_N - 2) + 1
    private = f"{d:064x}"
    engine = sm2.CryptSM2(private_key=private, public_key="")
    point = engine._kg(d, sm2.default_ecc_table["g"])
    return private, "04" + point


def public_key_of(algorithm: Algorithm, private_key: str) -> str:
    """The public half of a private key (SM2 signing needs it; configuration then needs only one file)."""
    if algorithm == "RSA":
        return (
            _rsa_private(private_key)
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    engine = sm2.CryptSM2(private_key=private_key.strip(), public_key="")
    return "04" + engine._kg(int(private_key.strip(), 16), sm2.default_ecc_table["g"])


def signer_for(algorithm: Algorithm, private_key: str) -> Signer:
    private_key = private_key.strip() if algorithm == "SM2" else private_key
    public = public_key_of(algorithm, private_key) if algorithm == "SM2" else ""
    return Signer(algorithm, private_key, public)


def verifier_for(algorithm: Algorithm, public_key: str) -> Verifier:
    return Verifier(algorithm, public_key.strip() if algorithm == "SM2" else public_key)
