"""The API's certificate endpoints: read, download, revoke, and the public verification the QR
code on every certificate opens. Mounted by ``cases.api``'s router."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from smartgov.accounts import permissions as perms
from smartgov.accounts.services import Principal
from smartgov.api.auth import PUBLIC, principal, tenant_auth, tenant_of
from smartgov.cases import selectors, services
from smartgov.cases.schemas import CertificateOut, RevokeIn, VerificationOut
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant

router = Router(tags=["applications and cases"], auth=tenant_auth)


def _cert_out(request: HttpRequest, tenant: Tenant, cert: Any) -> Any:
    cert.verify_url = request.build_absolute_uri(services.verify_path(tenant, cert.pk))
    return cert


def _readable_cert(caller: Principal, tenant: Tenant, certificate_id: str) -> Any:
    cert = selectors.certificate(tenant, certificate_id)
    if caller.membership is not None and cert.holder_id == caller.membership.pk:
        return cert
    if caller.has(perms.CASES_WORK) or caller.has(perms.CERTIFICATES_REVOKE):
        return cert
    raise NotFound(_("No such certificate."))


@router.get("/t/{tenant}/certificates/{certificate_id}", response=CertificateOut, summary="Get a certificate")
def get_certificate(request: HttpRequest, tenant: str, certificate_id: str) -> Any:
    """The holder, or staff: the signed content's digest, signature, algorithm and public key."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    return _cert_out(request, the_tenant, _readable_cert(caller, the_tenant, certificate_id))


@router.get(
    "/t/{tenant}/certificates/{certificate_id}/pdf",
    response={200: str},
    summary="Download a certificate PDF",
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def certificate_pdf(request: HttpRequest, tenant: str, certificate_id: str) -> HttpResponse:
    """The signed PDF with seal and QR code (as filed in the holder's wallet)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    cert = _readable_cert(caller, the_tenant, certificate_id)
    data = services.certificate_pdf(caller.actor, the_tenant, cert)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(cert.number)}.pdf"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/t/{tenant}/certificates/{certificate_id}/revoke", response=CertificateOut, summary="Revoke")
def revoke_certificate(request: HttpRequest, tenant: str, certificate_id: str, payload: RevokeIn) -> Any:
    """Staff with `certificates.revoke` revoke a certificate with a reason; verification then says revoked."""
    caller = principal(request)
    caller.require(perms.CERTIFICATES_REVOKE)
    the_tenant = tenant_of(request)
    cert = services.revoke(caller.actor, the_tenant, selectors.certificate(the_tenant, certificate_id), payload.reason)
    return _cert_out(request, the_tenant, cert)


@router.get(
    "/t/{tenant}/verify/{certificate_id}", response=VerificationOut, auth=PUBLIC, summary="Verify a certificate"
)
def verify_certificate(request: HttpRequest, tenant: str, certificate_id: str) -> Any:
    """Public on purpose (the QR code on a certificate opens this): checks the tenant's signature over
    the certificate's content and answers `valid`, `revoked`, `expired` or `invalid`."""
    the_tenant = tenant_of(request)
    result = services.verify(selectors.certificate(the_tenant, certificate_id))
    cert, content = result.certificate, result.content
    return {
        "status": result.status,
        "signature_ok": result.signature_ok,
        "number": cert.number,
        "title": content.get("title", cert.title_zh),
        "holder": content.get("holder", ""),
        "issuer": content.get("issuer", the_tenant.name_zh),
        "valid_from": content.get("valid_from", ""),
        "valid_until": content.get("valid_until"),
        "algorithm": cert.algorithm,
        "public_key": cert.public_key,
        "revoked_at": cert.revoked_at,
        "revoked_reason": cert.revoked_reason,
    }
