"""Every write about documents, and the reads that decrypt (each one audited).

Public functions for other apps (the cases app attaches wallet documents and issues certificates):

- ``upload(actor, tenant, owner, *, file_name, content, declared_type, doc_type, title)`` -> Document
- ``store_issued(actor, tenant, owner, *, content, title, doc_type, issuer_department, ...)`` -> Document
- ``upload_filed(...)``: ``upload`` for a caller filing it in the same transaction (application with files)
- ``file_document(actor, tenant, document)``: a draft upload is now in use (attached to an application)
- ``delete_draft(actor, tenant, document, by=membership)``
- ``signed_link(actor, tenant, document)`` -> SignedLink; ``open_link(tenant, token)`` -> (Document, bytes)
- ``open_content(actor, tenant, document, purpose=...)`` -> bytes (decrypted, checksum verified)
- ``set_upload_limit(...)`` (the retention sweep and settings: ``documents.retention``)

Authorisation (who may read which document) is the selectors' job: ``selectors.readable_document``.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor, record
from smartgov.documents import links, quota, sniff, store
from smartgov.documents.models import Document, DocumentType

# The storage account's public operations, reached through this module by other apps and the API.
from smartgov.documents.quota import max_upload_bytes as max_upload_bytes
from smartgov.documents.quota import platform_max_upload_bytes as platform_max_upload_bytes
from smartgov.documents.quota import reserve_quota as reserve_quota
from smartgov.documents.quota import set_upload_limit as set_upload_limit
from smartgov.documents.types import BUILTIN, DocType
from smartgov.kit import clock, crypto
from smartgov.kit.errors import Conflict, DomainError, InvalidInput, NotFound
from smartgov.kit.ids import uuid7
from smartgov.kit.statements import Insert, Query
from smartgov.tenancy.models import Department, Tenant

log = logging.getLogger("smartgov.documents")

_INSERT = Insert(Document)  # every upload (kit.statements)


class FileTooLarge(InvalidInput):
    status = 413


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"


class DocumentUnreadable(DomainError):
    """The stored bytes are missing or no longer match their checksum: an operator must look."""

    status = 500
    code = "document_unreadable"


class Readable(Protocol):
    """A file object: Django's UploadedFile, an open file, io.BytesIO."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class SignedLink:
    url: str  # path on this server; prepend the site's origin for use elsewhere
    token: str
    expires_at: datetime


def link_ttl_seconds() -> int:
    return int(settings.DOCUMENT_LINK_SECONDS)


# --- checks ------------------------------------------------------------------------------------


def _read_limited(content: bytes | Readable, limit: int) -> bytes:
    # A file is read only to one byte past the limit: a huge upload costs no more memory than that.
    data = bytes(content) if isinstance(content, bytes | bytearray | memoryview) else content.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge.for_field(
            "file",
            _("The file is larger than the %(limit)s bytes allowed.") % {"limit": limit},
            code="file_too_large",
        )
    if not data:
        raise InvalidInput.for_field("file", _("The file is empty."), code="file_empty")
    return data


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def clean_file_name(name: str, content_type: str) -> str:
    """A file name safe to show and to put in a Content-Disposition header."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")[:150]
    if not name:
        name = "document" + sniff.EXTENSIONS.get(content_type, "")
    return name


def _check_content(declared_type: str, data: bytes) -> str:
    verdict = sniff.verdict(declared_type, data)
    if verdict.ok:
        return verdict.content_type
    messages = {
        "executable_refused": _("Programs and scripts cannot be uploaded."),
        "unsupported_type": _("Files of type %(type)s are not accepted; send PDF, OFD, an image, a Word or Excel "
                              "document, or plain text.") % {"type": sniff.normalise(declared_type) or "?"},
        "unrecognised_content": _("The file's content is not a document type the platform accepts."),
        "type_mismatch": _("The file was declared as %(declared)s but its content is %(found)s.")
        % {"declared": sniff.normalise(declared_type), "found": verdict.detected},
    }
    raise InvalidInput.for_field(verdict.field, messages[verdict.problem], code=verdict.problem)


_TYPE_OVERRIDE = Query(
    lambda tenant, code: DocumentType.objects.filter(tenant_id=tenant, code=code), tenant=UUID, code=str
)


def known_type(code: str) -> DocType:
    """The built-in type ``code`` names (a stored document keeps only the code: the tenant's
    override of names and retention is read where those are used)."""
    builtin = BUILTIN.get(code)
    if builtin is None:
        raise InvalidInput.for_field(
            "doc_type",
            _("Unknown document type %(code)s; one of: %(codes)s") % {"code": code, "codes": ", ".join(BUILTIN)},
            code="unknown_document_type",
        )
    return builtin


def document_type(tenant: Tenant, code: str) -> DocType:
    """The tenant's view of a built-in type (its override when there is one)."""
    builtin = known_type(code)
    row = _TYPE_OVERRIDE.first(tenant=tenant.pk, code=code)
    if row is None:
        return builtin
    return DocType(code, row.name_zh, row.name_en, row.retention_days, overridden=True)


def _owned_by_tenant(tenant: Tenant, owner: accounts.Membership) -> None:
    if owner.tenant_id != tenant.pk:
        raise NotFound(_("No such member."))


# --- writes ------------------------------------------------------------------------------------


def _store(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    *,
    data: bytes,
    content_type: str,
    file_name: str,
    doc_type: str,
    title: str,
    source: str,
    status: str,
    issuer_department: Department | None = None,
    reserve: bool = True,
) -> Document:
    document_id = uuid7()
    profile = tenant.crypto_profile
    wrapped, sealed = store.seal(tenant, document_id, data)
    name = store.put(store.object_name(tenant, document_id), sealed)
    try:
        if reserve:
            quota.reserve(tenant, len(sealed))  # after the slow write: the quota row stays locked until commit
        now = clock.now()
        document = Document(
            id=document_id,
            tenant=tenant,
            owner=owner,
            doc_type=doc_type,
            title=title[:200],
            file_name=file_name,
            content_type=content_type,
            source=source,
            status=status,
            issuer_department=issuer_department,
            size_bytes=len(data),
            stored_bytes=len(sealed),
            checksum_algorithm="sm3" if profile == "gm" else "sha256",
            checksum=crypto.digest(data, profile),  # type: ignore[arg-type]
            wrapped_key=wrapped,
            storage_name=name,
            created_by=actor.label[:200],
            created_at=now,
            filed_at=now if status == Document.Status.FILED else None,
        )
        _INSERT(document)
        record(
            actor=actor,
            tenant=tenant,
            action="document.issue" if source == Document.Source.ISSUED else "document.upload",
            obj=document,
            changes={
                "owner": str(owner.pk),
                "doc_type": doc_type,
                "content_type": content_type,
                "size_bytes": len(data),
                "checksum": f"{document.checksum_algorithm}:{document.checksum}",
                "issuer_department": str(issuer_department.pk) if issuer_department else None,
                "status": status,
            },
        )
    except BaseException:
        # This transaction will not commit the row: take the object back out of storage too.
        store.remove(name)
        raise
    return document


@transaction.atomic  # with its savepoint: pages catch a refused upload and go on in the request's transaction
def upload(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    *,
    file_name: str,
    content: bytes | Readable,
    declared_type: str,
    doc_type: str = "supporting_document",
    title: str = "",
) -> Document:
    """Keep a person's upload in their wallet as a draft: size-limited, type-checked against its
    bytes, checksummed, encrypted, and counted against the tenant's quota."""
    return _upload(actor, tenant, owner, file_name=file_name, content=content, declared_type=declared_type,
                   doc_type=doc_type, title=title, status=Document.Status.DRAFT, reserve=True)


@transaction.atomic(savepoint=False)  # the caller's transaction is undone as a whole when anything fails
def upload_filed(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    *,
    file_name: str,
    content: bytes | Readable,
    declared_type: str,
    doc_type: str = "supporting_document",
    title: str = "",
) -> Document:
    """``upload`` for a caller that files the upload in the same transaction (an application sent
    with its files): the row is inserted filed, so it is not read back and updated a moment later,
    and its one audit event (``document.upload``) says so, as an issued document's does; the
    application's own event names the documents it filed. The caller counts it against the quota with
    ``reserve_quota`` before its transaction ends (the tenant's quota row stays locked from the
    count to the commit, so a long transaction counts last)."""
    return _upload(actor, tenant, owner, file_name=file_name, content=content, declared_type=declared_type,
                   doc_type=doc_type, title=title, status=Document.Status.FILED, reserve=False)


def _upload(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    *,
    file_name: str,
    content: bytes | Readable,
    declared_type: str,
    doc_type: str,
    title: str,
    status: str,
    reserve: bool,
) -> Document:
    _owned_by_tenant(tenant, owner)
    the_type = known_type(doc_type)
    data = _read_limited(content, max_upload_bytes(tenant))
    content_type = _check_content(declared_type, data)
    name = clean_file_name(file_name, content_type)
    return _store(
        actor, tenant, owner, data=data, content_type=content_type, file_name=name, doc_type=the_type.code,
        title=title.strip() or name, source=Document.Source.UPLOAD, status=status, reserve=reserve,
    )


@transaction.atomic
def store_issued(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    *,
    content: bytes,
    title: str,
    doc_type: str = "certificate",
    issuer_department: Department | None = None,
    file_name: str = "",
    content_type: str = sniff.PDF,
) -> Document:
    """Put what a department issued (certificate, licence, receipt, decision) into the holder's
    wallet, filed at once. The same checks as uploads apply (an issued PDF must be a PDF); the
    tenant's upload size limit does not (the platform made it), the storage quota does."""
    _owned_by_tenant(tenant, owner)
    if issuer_department is not None and issuer_department.tenant_id != tenant.pk:
        raise NotFound(_("No such department."))
    the_type = known_type(doc_type)
    data = _read_limited(content, max(platform_max_upload_bytes(), len(content)))
    checked = _check_content(content_type, data)
    name = clean_file_name(file_name or f"{title}{sniff.EXTENSIONS.get(checked, '')}", checked)
    return _store(
        actor, tenant, owner, data=data, content_type=checked, file_name=name, doc_type=the_type.code,
        title=title, source=Document.Source.ISSUED, status=Document.Status.FILED,
        issuer_department=issuer_department,
    )


def file_document(actor: Actor, tenant: Tenant, document: Document) -> Document:
    """A draft upload is now part of a record (attached to a submitted application): the owner can
    no longer delete it, and its retention period governs it. Idempotent."""
    now = clock.now()
    # One conditional UPDATE (it locks the row as SELECT ... FOR UPDATE did, and a concurrent
    # delete_draft then finds it filed): no savepoint, no read first. The refusals below are raised
    # outside the atomic block, so a caller that catches them keeps a usable transaction.
    with transaction.atomic(savepoint=False):
        filed = Document.objects.filter(tenant=tenant, pk=document.pk, status=Document.Status.DRAFT).update(
            status=Document.Status.FILED, filed_at=now
        )
        if filed:
            document.status, document.filed_at = Document.Status.FILED, now
            record(actor=actor, tenant=tenant, action="document.file", obj=document)
    if filed:
        return document
    current = Document.objects.filter(tenant=tenant, pk=document.pk).first()
    if current is None:
        raise NotFound(_("No such document."))
    if current.status != Document.Status.FILED:
        raise Conflict(_("This document has been removed."), code="document_removed")
    return current


def _locked(tenant: Tenant, document: Document) -> Document:
    try:
        return Document.objects.select_for_update().get(tenant=tenant, pk=document.pk)
    except Document.DoesNotExist:
        raise NotFound(_("No such document.")) from None


def remove(actor: Actor, tenant: Tenant, document: Document, status: str, action: str, reason: str) -> None:
    """Tombstone the row (audit events keep pointing at it), give the bytes back to the quota and
    delete the object once the transaction commits (never before: a rollback keeps the file)."""
    document.status = status
    document.removed_at = clock.now()
    document.save(update_fields=["status", "removed_at"])
    quota.release(tenant, document.stored_bytes)
    record(actor=actor, tenant=tenant, action=action, obj=document,
           changes={"doc_type": document.doc_type, "reason": reason})
    name = document.storage_name

    def delete_object() -> None:
        try:
            store.remove(name)
        except Exception:  # the row says removed; retention.sweep_orphans deletes the leftover later
            log.exception("could not delete stored document %s", name)

    transaction.on_commit(delete_object)


@transaction.atomic
def delete_draft(actor: Actor, tenant: Tenant, document: Document, *, by: accounts.Membership) -> None:
    """The owner deletes one of their own uploads that nothing uses yet."""
    document = _locked(tenant, document)
    if document.owner_id != by.pk or not document.is_live:
        raise NotFound(_("No such document."))
    if document.status != Document.Status.DRAFT:
        raise Conflict(_("This document is in use by an application or was issued to you; it cannot be "
                         "deleted."), code="document_in_use")
    remove(actor, tenant, document, Document.Status.DELETED, "document.delete", "owner deleted draft")


@transaction.atomic
def signed_link(actor: Actor, tenant: Tenant, document: Document, *, ttl_seconds: int | None = None) -> SignedLink:
    """A download link valid for a few minutes. The caller has authorised ``actor`` already
    (``selectors.readable_document``); the download is audited under ``actor``."""
    if not document.is_live or document.tenant_id != tenant.pk:
        raise NotFound(_("No such document."))
    claims = links.make(str(tenant.pk), str(document.pk), actor.type, actor.id, ttl_seconds or link_ttl_seconds())
    token = links.sign(claims)
    record(actor=actor, tenant=tenant, action="document.link", obj=document,
           changes={"expires_at": claims.expires_at.isoformat()})
    url = reverse("api-v1:documents_download", kwargs={"tenant": tenant.slug, "token": token})
    return SignedLink(url=url, token=token, expires_at=claims.expires_at)


@transaction.atomic
def open_content(actor: Actor, tenant: Tenant, document: Document, *, purpose: str = "read") -> bytes:
    """Decrypt a live document and check it against its checksum; every call is audited."""
    if not document.is_live or document.tenant_id != tenant.pk:
        raise NotFound(_("No such document."))
    try:
        data = store.unseal(tenant, document.pk, bytes(document.wrapped_key), store.get(document.storage_name))
    except (OSError, crypto.DecryptionError) as exc:
        log.error("document %s unreadable: %s", document.pk, exc)
        raise DocumentUnreadable(_("This document cannot be read; the operators have been told.")) from exc
    if crypto.digest(data, "gm" if document.checksum_algorithm == "sm3" else "intl") != document.checksum:
        log.error("document %s fails its checksum", document.pk)
        raise DocumentUnreadable(_("This document cannot be read; the operators have been told."))
    record(actor=actor, tenant=tenant, action="document.read", obj=document, changes={"purpose": purpose})
    return data


@transaction.atomic
def open_link(tenant: Tenant, token: str) -> tuple[Document, bytes]:
    """What a signed link gives: the document and its bytes, audited as a download by whoever
    asked for the link. A link of another tenant or for a removed document is a 404."""
    try:
        claims = links.read(token)
    except links.ExpiredLink:
        raise LinkExpired(_("This download link has expired; ask for a new one.")) from None
    except links.BadLink:
        raise NotFound(_("No such download link."), code="link_invalid") from None
    if claims.tenant_id != str(tenant.pk):
        raise NotFound(_("No such download link."), code="link_invalid")
    document = Document.objects.filter(tenant=tenant, pk=claims.document_id).first()
    if document is None or not document.is_live:
        raise NotFound(_("No such document."))
    actor = Actor(claims.actor_type, claims.actor_id, "signed link")
    return document, open_content(actor, tenant, document, purpose="download")
