"""Certificates: the signature over the canonical content checks under both crypto profiles;
tampering, a foreign key, revocation and expiry all show on verification."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from smartgov.cases import services
from smartgov.cases.models import Certificate
from smartgov.kit import signing
from smartgov.tenancy import keys
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import answers, make_world

pytestmark = pytest.mark.django_db


def approved_certificate(world):
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, t, app, answers(world))
        services.act(SYSTEM, t, app, cw, "accept")
        return services.decide(SYSTEM, t, app, cw, "approve", "符合条件").certificate


@pytest.mark.parametrize(("profile", "algorithm"), [("intl", "ed25519"), ("gm", "sm2")])
def test_the_signature_checks_with_the_tenants_public_key(profile, algorithm):
    world = make_world(crypto_profile=profile)
    cert = approved_certificate(world)
    assert cert.algorithm == algorithm
    assert cert.public_key == keys.signing_key(world.tenant).public_key()
    assert signing.verify(algorithm, cert.public_key, cert.content.encode(), cert.signature)
    assert len(cert.content_hash) == 64
    content = json.loads(cert.content)
    assert content["number"] == cert.number and content["holder"] == "张三"
    assert "*" in content["holder_id"]  # the identity number is masked even on the certificate
    with tenant_context(world.tenant):
        assert services.verify(cert).status == "valid"


def test_tampered_content_or_a_foreign_key_is_invalid():
    world = make_world()
    cert = approved_certificate(world)
    forged = json.loads(cert.content)
    forged["holder"] = "李四"
    with tenant_context(world.tenant):
        tampered = Certificate.objects.get(pk=cert.pk)
        tampered.content = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert services.verify(tampered).status == "invalid"
        # Re-signed with some other key over the forged content: still not the issuer's signature.
        other = signing.key_from_seed(b"\x01" * 32, "intl")
        tampered.signature = other.sign(tampered.content.encode())
        tampered.public_key = other.public_key()
        assert services.verify(tampered).status == "invalid"


def test_revoked_and_expired():
    world = make_world()
    cert = approved_certificate(world)
    with tenant_context(world.tenant):
        assert services.verify(cert, today=cert.valid_until + timedelta(days=1)).status == "expired"
        revoked = services.revoke(SYSTEM, world.tenant, cert, "许可被撤销")
        result = services.verify(revoked)
    assert result.status == "revoked" and result.signature_ok


def test_the_certificate_pdf_is_filed_in_the_holders_wallet():
    world = make_world()
    cert = approved_certificate(world)
    from smartgov.documents import selectors as documents

    with tenant_context(world.tenant):
        wallet = {d.pk: d for d in documents.wallet(world.tenant, world.citizen)}
    assert cert.document_id in wallet and wallet[cert.document_id].source == "issued"
