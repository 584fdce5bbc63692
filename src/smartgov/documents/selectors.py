"""Reads of documents, always for one tenant. Another tenant's document, or one the caller may not
see, is a 404: the two are indistinguishable on purpose."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartgov.accounts import permissions as perms
from smartgov.accounts import services as accounts
from smartgov.documents import services
from smartgov.documents.models import Document, StorageAccount
from smartgov.documents.types import BUILTIN, DocType
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant


def document(tenant: Tenant, document_id: UUID | str) -> Document:
    """Any document of the tenant, removed ones (tombstones) included."""
    try:
        return Document.objects.select_related("owner__user", "issuer_department").get(tenant=tenant, pk=document_id)
    except (Document.DoesNotExist, ValueError):
        raise NotFound(_("No such document.")) from None


def documents(tenant: Tenant, ids: Iterable[UUID | str] | QuerySet[Any]) -> QuerySet[Document]:
    """The tenant's documents with these ids (a list, or a subquery of ids)."""
    return Document.objects.filter(tenant=tenant, pk__in=ids).order_by("created_at")


def may_read(principal: accounts.Principal, document: Document) -> bool:
    """The owner, or staff (and agencies' systems) with ``documents.read``."""
    own = principal.membership is not None and principal.membership.pk == document.owner_id
    return own or principal.has(perms.DOCUMENTS_READ)


def readable_document(tenant: Tenant, principal: accounts.Principal, document_id: UUID | str) -> Document:
    """A live document the caller may read; anything else is a 404."""
    found = document(tenant, document_id)
    if not found.is_live or not may_read(principal, found):
        raise NotFound(_("No such document."))
    return found


def wallet(tenant: Tenant, membership: accounts.Membership) -> QuerySet[Document]:
    """A person's document wallet in a tenant: their uploads and everything any department of the
    tenant issued to them, newest first, removed ones left out."""
    return (
        Document.objects.filter(tenant=tenant, owner=membership, status__in=Document.LIVE)
        .select_related("issuer_department")
        .order_by("-created_at")
    )


def wallet_documents(tenant: Tenant, membership: accounts.Membership, ids: list[UUID | str]) -> list[Document]:
    """The named documents, each of which must be in ``membership``'s wallet (the cases app checks
    attachments with this): a missing or foreign id is a 404."""
    try:
        found = {str(d.pk): d for d in wallet(tenant, membership).filter(pk__in=ids)}
    except ValueError:
        raise NotFound(_("No such document.")) from None
    missing = [str(i) for i in ids if str(i) not in found]
    if missing:
        raise NotFound(_("No such document in the wallet."), details={"missing": missing})
    return [found[str(i)] for i in ids]


def document_types(tenant: Tenant) -> list[DocType]:
    return [services.document_type(tenant, code) for code in BUILTIN]


@dataclass(frozen=True)
class StorageUsage:
    used_bytes: int
    quota_bytes: int
    max_upload_bytes: int
    documents: int


def storage_usage(tenant: Tenant) -> StorageUsage:
    account = StorageAccount.objects.filter(tenant=tenant).first()
    return StorageUsage(
        used_bytes=account.used_bytes if account else 0,
        quota_bytes=tenant.quota_storage_bytes,
        max_upload_bytes=(account.max_upload_bytes if account and account.max_upload_bytes is not None
                          else services.platform_max_upload_bytes()),
        documents=Document.objects.filter(tenant=tenant, status__in=Document.LIVE).count(),
    )
