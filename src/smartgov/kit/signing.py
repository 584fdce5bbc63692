"""Digital signatures over documents (certificates, receipts), with two profiles:

- ``intl``: Ed25519 (RFC 8032);
- ``gm``: SM2 with SM3 (GB/T 32918, GB/T 32905) through ``gmssl``.

A key is derived from a 32-byte seed, so a tenant's signing key can be derived from its wrapped data
key and needs no storage of its own (see ``tenancy.keys.signing_key``). Public keys and signatures
travel as text (hex and base64) so they can sit in a QR code or a verification page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from gmssl import sm2

Algorithm = Literal["ed25519", "sm2"]
_SM2_ORDER = int(sm2.default_ecc_table["n"], 16)


def _sm2_engine(private_hex: str, public_hex: str) -> sm2.CryptSM2:
    engine = sm2.CryptSM2(private_key=private_hex, public_key="")
    # Set directly: gmssl strips a leading "04" with str.lstrip, which also eats leading 0s and 4s of x.
    engine.public_key = public_hex
    return engine


def algorithm_for(profile: str) -> Algorithm:
    return "sm2" if profile == "gm" else "ed25519"


@dataclass(frozen=True)
class SigningKey:
    algorithm: Algorithm
    seed: bytes  # 32 bytes; the private key is derived from it

    def _sm2_private_hex(self) -> str:
        # Map the seed into [1, n-1], the valid range of SM2 private keys.
        value = int.from_bytes(hashlib.sha256(b"sm2-private:" + self.seed).digest(), "big") % (_SM2_ORDER - 1) + 1
        return f"{value:064x}"

    def public_key(self) -> str:
        """The public key as hex: raw 32 bytes for Ed25519, uncompressed X||Y (64 bytes) for SM2."""
        if self.algorithm == "ed25519":
            public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
            return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        private = self._sm2_private_hex()
        signer = sm2.CryptSM2(private_key=private, public_key="")
        return str(signer._kg(int(private, 16), sm2.default_ecc_table["g"]))

    def sign(self, data: bytes) -> str:
        """Sign ``data``; the signature as base64."""
        if self.algorithm == "ed25519":
            raw = Ed25519PrivateKey.from_private_bytes(self.seed).sign(data)
        else:
            signer = _sm2_engine(self._sm2_private_hex(), self.public_key())
            # gmssl would draw the nonce from ``random``; a predictable nonce leaks the private key.
            nonce = f"{secrets.randbelow(_SM2_ORDER - 1) + 1:064x}"
            raw = bytes.fromhex(signer.sign_with_sm3(data, nonce))
        return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class Signature:
    """A signature with what is needed to check it."""

    algorithm: Algorithm
    public_key: str  # hex
    value: str  # base64

    def verifies(self, data: bytes) -> bool:
        return verify(self.algorithm, self.public_key, data, self.value)


def key_from_seed(seed: bytes, profile: str) -> SigningKey:
    if len(seed) != 32:
        raise ValueError("a signing seed is 32 bytes")
    return SigningKey(algorithm_for(profile), seed)


def verify(algorithm: str, public_key_hex: str, data: bytes, signature_b64: str) -> bool:
    """True only for a well-formed signature by that key over exactly ``data``."""
    try:
        raw = base64.b64decode(signature_b64, validate=True)
        if algorithm == "ed25519":
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(raw, data)
            return True
        if algorithm == "sm2":
            if len(raw) != 64 or len(public_key_hex) != 128:
                return False
            verifier = _sm2_engine("", public_key_hex)
            return bool(verifier.verify_with_sm3(raw.hex(), data))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return False


def fingerprint(public_key_hex: str) -> str:
    """A short, stable name for a public key (shown on documents next to the signature)."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]
