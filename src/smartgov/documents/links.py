"""Short-lived download links: the link itself is the credential, so it is signed (Django's
signing, HMAC with the secret key), names one tenant and one document, and expires after a few
minutes by the platform clock (``kit.clock``, so tests can move time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core import signing

from smartgov.kit import clock

SALT = "smartgov.documents.download-link"


class BadLink(ValueError):
    """Forged, truncated or for a different purpose."""


class ExpiredLink(ValueError):
    pass


@dataclass(frozen=True)
class LinkClaims:
    tenant_id: str
    document_id: str
    actor_type: str  # who asked for the link: downloads are audited under their name
    actor_id: str
    expires_at: datetime


def make(tenant_id: str, document_id: str, actor_type: str, actor_id: str, ttl_seconds: int) -> LinkClaims:
    expires = int(clock.now().timestamp()) + ttl_seconds
    return LinkClaims(tenant_id, document_id, actor_type, actor_id, datetime.fromtimestamp(expires, UTC))


def sign(claims: LinkClaims) -> str:
    # Only ids travel in the token: it sits in URLs and server logs, so no e-mail or name.
    payload = [claims.tenant_id, claims.document_id, claims.actor_type, claims.actor_id,
               int(claims.expires_at.timestamp())]
    return signing.Signer(salt=SALT).sign_object(payload, compress=True)


def read(token: str) -> LinkClaims:
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadLink("not a valid download link") from exc
    if not (isinstance(payload, list) and len(payload) == 5 and isinstance(payload[4], int)):
        raise BadLink("not a valid download link")
    tenant_id, document_id, actor_type, actor_id, expires = payload
    claims = LinkClaims(str(tenant_id), str(document_id), str(actor_type), str(actor_id),
                        datetime.fromtimestamp(expires, UTC))
    if clock.now() >= claims.expires_at:
        raise ExpiredLink("the download link has expired")
    return claims
