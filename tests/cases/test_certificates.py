"""Certificates: the signature over the canonical content checks under both crypto profiles;
tampering, a foreign key, revocation and expiry all show on verification."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from smartgov.cases import services
from smartgov.cases.models import Certificate
from smartgov.catalogue import services as catalogue
from smartgov.kit import clock, signing
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


MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_the_certificate_runs_as_long_as_the_service_version_says():
    with clock.frozen_at(MONDAY):
        world = make_world(certificate_validity_months=12)
        cert = approved_certificate(world)
    assert (cert.valid_from, cert.valid_until) == (date(2026, 3, 2), date(2027, 3, 2))
    assert json.loads(cert.content)["valid_until"] == "2027-03-02"  # what is signed says so too
    with tenant_context(world.tenant):
        assert services.verify(cert, today=date(2027, 3, 2)).status == "valid"  # the last day is included
        assert services.verify(cert, today=date(2027, 3, 3)).status == "expired"


def test_a_certificate_without_expiry_stays_valid_and_says_so():
    with clock.frozen_at(MONDAY):
        world = make_world(certificate_validity_months=None)
        cert = approved_certificate(world)
    assert cert.valid_until is None and json.loads(cert.content)["valid_until"] is None
    with tenant_context(world.tenant):
        assert services.verify(cert, today=date(2076, 3, 2)).status == "valid"
        assert services.render_pdf(world.tenant, cert).startswith(b"%PDF")


def test_the_validity_is_the_one_of_the_version_applied_for():
    with clock.frozen_at(MONDAY):
        world = make_world(certificate_validity_months=12)
        t, cw = world.tenant, world.caseworker
        with tenant_context(t):
            app = services.submit(SYSTEM, t, services.start(SYSTEM, t, world.citizen, world.service.pk),
                                  answers(world))
            # The service now issues five-year certificates; this application was made under version 1.
            catalogue.save_draft(SYSTEM, t, world.service, certificate_validity_months=60)
            catalogue.publish_service(SYSTEM, t, world.service)
            services.act(SYSTEM, t, app, cw, "accept")
            cert = services.decide(SYSTEM, t, app, cw, "approve", "符合条件").certificate
    assert cert.valid_until == date(2027, 3, 2)


def test_the_public_page_and_api_show_expired_and_no_expiry(client):
    with clock.frozen_at(MONDAY):
        short = make_world(certificate_validity_months=1)
        expiring = approved_certificate(short)
        forever = make_world(certificate_validity_months=None)
        lasting = approved_certificate(forever)
    client.cookies["django_language"] = "en"
    with clock.frozen_at(MONDAY + timedelta(days=31)):  # 2 April: the 2 April last day still counts
        page = client.get(f"/{short.tenant.slug}/verify/{expiring.pk}").content.decode()
        assert 'data-status="valid"' in page
    with clock.frozen_at(MONDAY + timedelta(days=32)):  # 3 April 2026: past the month
        page = client.get(f"/{short.tenant.slug}/verify/{expiring.pk}").content.decode()
        assert 'data-status="expired"' in page and "valid until 2026-04-02" in page
        api = client.get(f"/api/v1/t/{short.tenant.slug}/verify/{expiring.pk}").json()
        assert (api["status"], api["valid_until"]) == ("expired", "2026-04-02")
    with clock.frozen_at(MONDAY + timedelta(days=365 * 40)):
        page = client.get(f"/{forever.tenant.slug}/verify/{lasting.pk}").content.decode()
        assert 'data-status="valid"' in page and "from 2026-03-02, no expiry" in page
        api = client.get(f"/api/v1/t/{forever.tenant.slug}/verify/{lasting.pk}").json()
        assert (api["status"], api["valid_until"]) == ("valid", None)
