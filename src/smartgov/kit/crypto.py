"""Envelope encryption, digests and blind indexes, with two profiles:

- ``intl``: AES-256-GCM, SHA-256;
- ``gm``: China's national algorithms, SM4-GCM (GB/T 32907, RFC 8998) and SM3 (GB/T 32905).

Tokens are self-describing (version, algorithm, nonce, ciphertext+tag), so decrypting needs only
the key: a tenant can switch profile for new data while old data stays readable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Profile = Literal["intl", "gm"]

_VERSION = 1
_AES_GCM = 1
_SM4_GCM = 2
_NONCE = 12
_TAG = 16


class DecryptionError(ValueError):
    """Wrong key, wrong associated data, or a token that was tampered with."""


def generate_data_key(profile: Profile) -> bytes:
    return os.urandom(16 if profile == "gm" else 32)


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    body, tag = sealed[:-_TAG], sealed[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def encrypt(data_key: bytes, plaintext: bytes, profile: Profile, aad: bytes = b"") -> bytes:
    nonce = os.urandom(_NONCE)
    if profile == "gm":
        if len(data_key) != 16:
            raise ValueError("SM4 keys are 16 bytes")
        return bytes([_VERSION, _SM4_GCM]) + nonce + _sm4_gcm_encrypt(data_key, nonce, plaintext, aad)
    if profile == "intl":
        return bytes([_VERSION, _AES_GCM]) + nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)
    raise ValueError(f"unknown crypto profile {profile!r}")


def decrypt(data_key: bytes, token: bytes, aad: bytes = b"") -> bytes:
    if len(token) < 2 + _NONCE + _TAG or token[0] != _VERSION:
        raise DecryptionError("not a smartgov ciphertext")
    algorithm, nonce, sealed = token[1], token[2 : 2 + _NONCE], token[2 + _NONCE :]
    try:
        if algorithm == _AES_GCM:
            return AESGCM(data_key).decrypt(nonce, sealed, aad)
        if algorithm == _SM4_GCM:
            return _sm4_gcm_decrypt(data_key, nonce, sealed, aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("ciphertext does not authenticate under this key") from exc
    raise DecryptionError(f"unknown algorithm id {algorithm}")


def wrap_key(master_key: bytes, data_key: bytes) -> bytes:
    """Wrap a tenant data key under the platform master key (AES-256-GCM)."""
    return encrypt(master_key, data_key, "intl", b"smartgov-key-wrap")


def unwrap_key(master_key: bytes, wrapped: bytes) -> bytes:
    return decrypt(master_key, wrapped, b"smartgov-key-wrap")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise DecryptionError("not base64url") from exc


def encrypt_text(data_key: bytes, text: str, profile: Profile, aad: bytes = b"") -> str:
    return _b64(encrypt(data_key, text.encode(), profile, aad))


def decrypt_text(data_key: bytes, token: str, aad: bytes = b"") -> str:
    return decrypt(data_key, _unb64(token), aad).decode()


def digest(data: bytes, profile: Profile) -> str:
    if profile == "gm":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    return hashlib.sha256(data).hexdigest()


def blind_index(key: bytes, value: str) -> str:
    """HMAC of a normalised value: equality look-ups on encrypted columns without decrypting."""
    normalised = "".join(value.split()).upper()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()
