"""Certificates: issued on approval, signed by the tenant (Ed25519, or SM2 under ``gm``), rendered as
a PDF with seal and QR code, kept in the holder's wallet; verified publicly; revoked with a reason.

What is signed is the canonical JSON of the certificate's content (sorted keys, no spaces, UTF-8).
The verification page recomputes its digest and checks the stored signature with the stored
public key, so a row altered in the database fails verification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.cases import ports
from smartgov.cases.models import Application, Certificate
from smartgov.cases.services import _common as common
from smartgov.kit import clock, crypto, ids, pdf, signing
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def verify_path(tenant: Tenant, certificate_id: object) -> str:
    return f"/{tenant.slug}/verify/{certificate_id}"


def verify_url(tenant: Tenant, certificate_id: object) -> str:
    """The absolute address the certificate's QR code opens: ``SITE_URL`` when configured, else the
    first concrete allowed host over HTTPS, else the local development server."""
    base = settings.SITE_URL
    if not base:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
        local = not hosts or hosts[0] in ("localhost", "127.0.0.1")
        base = "http://localhost:8000" if local else f"https://{hosts[0]}"
    return f"{base.rstrip('/')}{verify_path(tenant, certificate_id)}"


def _number(tenant: Tenant, app: Application) -> str:
    # The certificate carries the case's reference: one certificate per case, readable, unique.
    return f"{app.reference}-C" if app.reference else ids.reference(tenant.reference_prefix, clock.now().year, 0)


@transaction.atomic
def issue(actor: Actor, tenant: Tenant, app: Application, version: ports.Version | None = None) -> Certificate:
    """Issue, sign and file the certificate of an approved application."""
    if app.status != Application.Status.APPROVED:
        raise Conflict(_("Only an approved application gets a certificate."), code="not_approved")
    if Certificate.objects.filter(tenant=tenant, application=app).exists():
        raise Conflict(_("This application has its certificate already."), code="certificate_exists")
    version = version or ports.version(tenant, app.service_version_id)
    data = common.unseal(tenant, app)
    holder_name = str(
        data.get("company_name") or data.get("full_name") or app.applicant.user.full_name or app.applicant.user.email
    )
    today = common.local_date(tenant)
    valid_until = ports.certificate_valid_until(version, today)  # the service version says how long
    granted = version.certificate_title_zh or version.name_zh
    cert = Certificate(
        tenant=tenant,
        application=app,
        holder=app.applicant,
        number=_number(tenant, app),
        holder_name=holder_name,
        title_zh=version.certificate_title_zh or version.name_zh,
        title_en=version.certificate_title_en or version.name_en,
        granted=granted,
        valid_from=today,
        valid_until=valid_until,
        issued_at=clock.now(),
    )
    content = {
        "id": str(cert.id),
        "issuer": tenant.name_zh,
        "issuer_tenant": tenant.slug,
        "number": cert.number,
        "title": cert.title_zh,
        "holder": holder_name,
        "holder_id": common.mask_value("id_number", data["id_number"]) if data.get("id_number") else "",
        "granted": granted,
        "reference": app.reference,
        "valid_from": today.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "issued_at": cert.issued_at.isoformat(),
    }
    body = canonical(content)
    signature = keys.sign(tenant, body)
    cert.content = body.decode()
    cert.content_hash = crypto.digest(body, tenant.crypto_profile)  # type: ignore[arg-type]
    cert.signature, cert.algorithm, cert.public_key = signature.value, signature.algorithm, signature.public_key
    cert.save(force_insert=True)
    cert.document_id = ports.store_issued(actor, tenant, cert, render_pdf(tenant, cert))
    cert.save(update_fields=["document_id"])
    common.event(app, "certificate_issued", actor, cert.number)
    record(
        actor=actor,
        tenant=tenant,
        action="certificate.issue",
        obj=cert,
        changes={"number": cert.number, "hash": cert.content_hash, "algorithm": cert.algorithm},
    )
    common.notify_after_commit(
        tenant,
        app.applicant,
        "certificate_issued",
        {
            "reference": app.reference,
            "service": common.service_name(app),
            "certificate": cert.number,
            "valid_until": cert.valid_until,
        },
        common.applicant_link(app),
    )
    return cert


def render_pdf(tenant: Tenant, cert: Certificate) -> bytes:
    content = json.loads(cert.content)
    rows = [
        ("证书编号 Number", cert.number),
        ("持证人 Holder", cert.holder_name),
        ("许可事项 Granted", cert.granted),
        ("受理编号 Reference", content.get("reference", "")),
        ("有效期自 Valid from", cert.valid_from.isoformat()),
        ("有效期至 Valid until", cert.valid_until.isoformat() if cert.valid_until else "长期有效 No expiry"),
    ]
    if content.get("holder_id"):
        rows.insert(2, ("证件号码 ID", content["holder_id"]))
    return pdf.render(
        pdf.SignedDocument(
            issuer=tenant.name_zh,
            title=f"{cert.title_zh} {cert.title_en}",
            number=cert.number,
            rows=rows,
            verify_url=verify_url(tenant, cert.id),
            signature_lines=[
                f"{cert.algorithm.upper()} · key {signing.fingerprint(cert.public_key)}",
                f"digest {cert.content_hash}",
                f"signature {cert.signature}",
            ],
            footer=_("Scan the QR code or open the address to check this certificate online."),
        )
    )


@transaction.atomic
def revoke(actor: Actor, tenant: Tenant, cert: Certificate, reason: str) -> Certificate:
    if not reason.strip():
        raise InvalidInput.for_field("reason", _("A revocation needs a reason."))
    cert = Certificate.objects.select_for_update().get(pk=cert.pk, tenant=tenant)
    if cert.status == Certificate.Status.REVOKED:
        raise Conflict(_("This certificate is revoked already."), code="certificate_revoked")
    cert.status = Certificate.Status.REVOKED
    cert.revoked_at = clock.now()
    cert.revoked_reason = reason.strip()
    cert.save(update_fields=["status", "revoked_at", "revoked_reason"])
    common.event(cert.application, "certificate_revoked", actor, cert.revoked_reason)
    record(actor=actor, tenant=tenant, action="certificate.revoke", obj=cert, changes={"reason": cert.revoked_reason})
    return cert


@dataclass(frozen=True)
class Verification:
    """What the public verification page says about a certificate."""

    status: str  # valid / revoked / expired / invalid (signature or content does not check)
    signature_ok: bool
    certificate: Certificate

    @property
    def content(self) -> dict[str, Any]:
        return json.loads(self.certificate.content)


def verify(cert: Certificate, today: date | None = None) -> Verification:
    """Check the signature over the stored content and the digest, then revocation and expiry."""
    body = cert.content.encode()
    profile = "gm" if cert.algorithm == "sm2" else "intl"
    ok = signing.verify(cert.algorithm, cert.public_key, body, cert.signature) and (
        crypto.digest(body, profile) == cert.content_hash  # type: ignore[arg-type]
    )
    content = json.loads(cert.content) if ok else {}
    # The key must be the issuing tenant's own: a row re-signed with some other key is not genuine.
    issuer_key = keys.signing_key(cert.tenant).public_key()
    ok = (
        ok
        and cert.public_key == issuer_key
        and content.get("id") == str(cert.id)
        and content.get("number") == cert.number
    )
    if not ok:
        status = "invalid"
    elif cert.status == Certificate.Status.REVOKED:
        status = "revoked"
    elif content.get("valid_until") and (today or common.local_date(cert.tenant)) > date.fromisoformat(
        content["valid_until"]
    ):
        status = "expired"
    else:
        status = "valid"
    return Verification(status, ok, cert)


def certificate_pdf(actor: Actor, tenant: Tenant, cert: Certificate) -> bytes:
    """The PDF as filed in the holder's wallet (the documents app audits the read)."""
    if cert.document_id is not None:
        return ports.document_content(actor, tenant, cert.document_id)
    return render_pdf(tenant, cert)
