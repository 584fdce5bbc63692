"""Documents: uploads, the applicant's document wallet, signed download links."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status, UploadedFile

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts import services as accounts
from smartgov.api.auth import PUBLIC, principal, tenant_auth, tenant_of
from smartgov.documents import retention, selectors, services
from smartgov.documents.schemas import (
    DocumentOut,
    DocumentTypeOut,
    LinkOut,
    RetentionIn,
    StorageUsageOut,
    UploadLimitIn,
)
from smartgov.kit.errors import Forbidden, NotFound
from smartgov.tenancy.models import Tenant

router = Router(tags=["documents"], auth=tenant_auth)


def _owner_for(caller: accounts.Principal, tenant: Tenant, owner_id: str, permission: str) -> accounts.Membership:
    """The caller themself, or (with ``permission``) the member they name."""
    if owner_id and (caller.membership is None or str(caller.membership.pk) != owner_id):
        caller.require(permission)
        return accounts_selectors.membership(tenant, owner_id)
    if caller.membership is None:
        raise NotFound("An API client has no documents of its own; name the owner.", code="owner_required")
    return caller.membership


@router.post("/t/{tenant}/documents", response={201: DocumentOut}, summary="Upload a document")
def upload(
    request: HttpRequest,
    tenant: str,
    file: File[UploadedFile],
    doc_type: Form[str] = "supporting_document",
    title: Form[str] = "",
    declared_type: Form[str] = "",
    owner: Form[str] = "",
) -> object:
    """Multipart upload into the caller's wallet as a draft. The declared type (the file part's
    Content-Type, or `declared_type`) must match what the bytes show; programs are refused; the
    tenant's size limit (413 `file_too_large`) and storage quota (409 `storage_quota_exceeded`)
    apply. Agencies' systems upload for a person by naming `owner` (needs
    `applications.submit_on_behalf`)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    membership = _owner_for(caller, the_tenant, owner, perms.APPLICATIONS_SUBMIT_ON_BEHALF)
    document = services.upload(
        caller.actor, the_tenant, membership, file_name=file.name or "", content=file,
        declared_type=declared_type or file.content_type or "", doc_type=doc_type, title=title,
    )
    return Status(201, document)


@router.get("/t/{tenant}/documents", response=list[DocumentOut], summary="List a wallet")
def list_documents(request: HttpRequest, tenant: str, owner: str = "") -> object:
    """The caller's document wallet (their uploads and what the tenant's departments issued them);
    staff with `documents.read` list a person's wallet by naming `owner`. An API client without
    `owner` has no wallet and gets an empty list."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    if not owner and caller.membership is None:
        return []
    membership = _owner_for(caller, the_tenant, owner, perms.DOCUMENTS_READ)
    return list(selectors.wallet(the_tenant, membership)[:500])


@router.get(
    "/t/{tenant}/documents/download/{token}",
    auth=PUBLIC,
    url_name="documents_download",
    summary="Download by signed link",
    response={200: str},
    openapi_extra={"responses": {"200": {"content": {"application/octet-stream": {}}}}},
)
def download(request: HttpRequest, tenant: str, token: str) -> HttpResponse:
    """The link itself is the credential (public on purpose): it is signed, names one document of
    this tenant and expires a few minutes after it was made (410 `link_expired`). Each download is
    audited under the person or system that asked for the link."""
    document, data = services.open_link(tenant_of(request), token)
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.file_name)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/t/{tenant}/documents/{document_id}", response=DocumentOut, summary="Get a document's metadata")
def get_document(request: HttpRequest, tenant: str, document_id: str) -> object:
    """The owner, or staff with `documents.read`."""
    return selectors.readable_document(tenant_of(request), principal(request), document_id)


@router.post("/t/{tenant}/documents/{document_id}/link", response={201: LinkOut}, summary="Create a download link")
def create_link(request: HttpRequest, tenant: str, document_id: str) -> object:
    """A signed link valid for a few minutes (the owner, or staff with `documents.read`)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    document = selectors.readable_document(the_tenant, caller, document_id)
    return Status(201, services.signed_link(caller.actor, the_tenant, document))


@router.delete("/t/{tenant}/documents/{document_id}", response={204: None}, summary="Delete a draft upload")
def delete_document(request: HttpRequest, tenant: str, document_id: str) -> object:
    """Owners delete their own uploads that no application uses yet (409 `document_in_use` otherwise)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    document = selectors.document(the_tenant, document_id)
    if caller.membership is None:
        raise NotFound("No such document.")
    services.delete_draft(caller.actor, the_tenant, document, by=caller.membership)
    return Status(204, None)


@router.get("/t/{tenant}/document-types", response=list[DocumentTypeOut], summary="List document types")
def list_document_types(request: HttpRequest, tenant: str) -> object:
    """Document types with their retention periods (built-in defaults, or the tenant's overrides)."""
    return selectors.document_types(tenant_of(request))


@router.put("/t/{tenant}/document-types", response=DocumentTypeOut, summary="Set a type's retention")
def set_document_type(request: HttpRequest, tenant: str, payload: RetentionIn) -> object:
    """Override a document type's retention period and names (needs `tenant.manage`)."""
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    return retention.set_retention(
        caller.actor, tenant_of(request), payload.code, retention_days=payload.retention_days,
        name_zh=payload.name_zh, name_en=payload.name_en,
    )


@router.get("/t/{tenant}/document-storage", response=StorageUsageOut, summary="Storage use and limits")
def storage_usage(request: HttpRequest, tenant: str) -> object:
    """Bytes stored against the tenant's quota, and the upload size limit."""
    caller = principal(request)
    if not (caller.has(perms.TENANT_MANAGE) or caller.has(perms.DOCUMENTS_READ)):
        raise Forbidden("Missing permission tenant.manage.", code="permission_denied")
    return selectors.storage_usage(tenant_of(request))


@router.put("/t/{tenant}/document-storage", response=StorageUsageOut, summary="Set the upload size limit")
def set_upload_limit(request: HttpRequest, tenant: str, payload: UploadLimitIn) -> object:
    """The largest single upload for this tenant; null returns to the platform default."""
    caller = principal(request)
    caller.require(perms.TENANT_MANAGE)
    services.set_upload_limit(caller.actor, tenant_of(request), payload.max_upload_bytes)
    return selectors.storage_usage(tenant_of(request))
