"""Envelope encryption: one data key per tenant, wrapped by the platform master key.

Rotating the master key means re-wrapping a handful of tenant keys, not re-encrypting data; a
tenant's crypto profile picks AES-GCM or SM4-GCM for its data key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from django.conf import settings

from smartgov.kit import crypto, signing
from smartgov.tenancy.models import Tenant


@functools.cache
def master_key() -> bytes:
    configured = settings.MASTER_KEY_B64
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ValueError("SMARTGOV_MASTER_KEY must decode to 32 bytes")
        return key
    # Development default: derived from the secret key, so a demo needs no extra setting.
    return hashlib.sha256(b"smartgov-master-key:" + settings.SECRET_KEY.encode()).digest()


def new_wrapped_data_key(profile: str) -> bytes:
    return crypto.wrap_key(master_key(), crypto.generate_data_key(profile))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)
def _unwrap(wrapped: bytes) -> bytes:
    return crypto.unwrap_key(master_key(), wrapped)


def data_key(tenant: Tenant) -> bytes:
    return _unwrap(bytes(tenant.wrapped_data_key))


def index_key(tenant: Tenant) -> bytes:
    """A key for blind indexes (equality look-ups on encrypted values), separate from the data key."""
    return hmac.new(data_key(tenant), b"blind-index", hashlib.sha256).digest()


def platform_data_key() -> bytes:
    """AES-256 key for the platform's own personal data (login phone numbers)."""
    return hmac.new(master_key(), b"platform-data-key", hashlib.sha256).digest()


def platform_index_key() -> bytes:
    return hmac.new(master_key(), b"platform-blind-index", hashlib.sha256).digest()


def encrypt(tenant: Tenant, value: str, purpose: str) -> str:
    """Encrypt personal data; ``purpose`` binds the ciphertext to its column (as AAD)."""
    return crypto.encrypt_text(data_key(tenant), value, tenant.crypto_profile, purpose.encode())  # type: ignore[arg-type]


def decrypt(tenant: Tenant, token: str, purpose: str) -> str:
    return crypto.decrypt_text(data_key(tenant), token, purpose.encode())


def blind_index(tenant: Tenant, value: str) -> str:
    return crypto.blind_index(index_key(tenant), value)


def signing_key(tenant: Tenant) -> signing.SigningKey:
    """The tenant's document-signing key (Ed25519, or SM2 under ``gm``), derived from its data key:
    nothing extra to store or back up, and it rotates with the data key."""
    seed = hmac.new(data_key(tenant), b"document-signing-key", hashlib.sha256).digest()
    return signing.key_from_seed(seed, tenant.crypto_profile)


def sign(tenant: Tenant, data: bytes) -> signing.Signature:
    """Sign ``data`` as the tenant: the algorithm, the public key and the signature travel together,
    so a verification page can check a document without knowing the tenant's profile history."""
    key = signing_key(tenant)
    return signing.Signature(key.algorithm, key.public_key(), key.sign(data))
