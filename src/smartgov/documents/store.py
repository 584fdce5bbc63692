"""Sealed bytes in object storage: envelope encryption per file and the Django storage API.

Each file gets its own key (AES-256-GCM, or SM4-GCM under the tenant's ``gm`` profile); that key is
wrapped by the tenant's data key. The associated data binds both ciphertexts to the tenant and the
document, so a file copied onto another document's name, or into another tenant, does not decrypt.
Object names carry only ids, never a person's name or a file name.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

from smartgov.kit import crypto
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

STORAGE_ALIAS = "documents"  # used when settings.STORAGES defines it; otherwise "default"


def storage() -> Storage:
    alias = STORAGE_ALIAS if STORAGE_ALIAS in settings.STORAGES else "default"
    return storages[alias]


def object_name(tenant: Tenant, document_id: object) -> str:
    return f"documents/{tenant.pk}/{document_id}.sealed"


def _aad(tenant: Tenant, document_id: object, part: str) -> bytes:
    return f"smartgov-document:{tenant.pk}:{document_id}:{part}".encode()


def seal(tenant: Tenant, document_id: object, plaintext: bytes) -> tuple[bytes, bytes]:
    """Return (wrapped file key, sealed content)."""
    profile = tenant.crypto_profile
    file_key = crypto.generate_data_key(profile)  # type: ignore[arg-type]
    sealed = crypto.encrypt(file_key, plaintext, profile, _aad(tenant, document_id, "content"))  # type: ignore[arg-type]
    wrapped = crypto.encrypt(keys.data_key(tenant), file_key, profile, _aad(tenant, document_id, "key"))  # type: ignore[arg-type]
    return wrapped, sealed


def unseal(tenant: Tenant, document_id: object, wrapped_key: bytes, sealed: bytes) -> bytes:
    """Raises ``crypto.DecryptionError`` when anything does not authenticate."""
    file_key = crypto.decrypt(keys.data_key(tenant), bytes(wrapped_key), _aad(tenant, document_id, "key"))
    return crypto.decrypt(file_key, sealed, _aad(tenant, document_id, "content"))


def put(name: str, data: bytes) -> str:
    """Store ``data``; returns the name the storage actually used."""
    return storage().save(name, ContentFile(data))


def get(name: str) -> bytes:
    with storage().open(name, "rb") as handle:
        return handle.read()


def exists(name: str) -> bool:
    return storage().exists(name)


def remove(name: str) -> None:
    storage().delete(name)


def names_under(tenant: Tenant) -> list[str]:
    """Every stored object of the tenant's documents (full names)."""
    folder = f"documents/{tenant.pk}"
    try:
        _dirs, files = storage().listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{name}" for name in files]


def modified_at(name: str) -> datetime:
    return storage().get_modified_time(name)
