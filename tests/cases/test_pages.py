"""The pages: apply (rendered from the schema, pre-filled, wallet picker, autosave), my
applications, the workbench (queue with SLA badges, masked data revealed with an audit event),
the dashboard and the public verification page."""

from __future__ import annotations

import pytest

from smartgov.audit.models import AuditEvent
from smartgov.cases import services
from smartgov.cases.models import Application
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import answers, make_world

pytestmark = pytest.mark.django_db


def test_the_apply_page_is_prefilled_offers_the_wallet_and_submits(client):
    world = make_world()
    client.force_login(world.citizen.user)
    slug = world.tenant.slug
    start = client.get(f"/{slug}/cases/apply/{world.service.pk}")
    assert start.status_code == 302
    page = client.get(start["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="张三"' in html and 'value="13812345678"' in html  # pre-filled from the profile
    assert str(world.lease_id) in html  # the wallet picker offers the earlier upload
    saved = client.post(start["Location"], {"f_shop_name": "老王面馆"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "saved" in saved.content.decode().lower()
    refused = client.post(start["Location"], {"f_area": "0", "submit": "1"})
    assert refused.status_code == 422 and "errorlist" in refused.content.decode()
    done = client.post(start["Location"], {"f_area": "30", "f_lease": str(world.lease_id), "submit": "1"})
    assert done.status_code == 302
    with tenant_context(world.tenant):
        app = Application.objects.get(tenant=world.tenant)
    assert app.status == "submitted" and app.form_data["shop_name"] == "老王面馆"
    mine = client.get(f"/{slug}/cases/mine/").content.decode()
    assert app.reference in mine


def test_the_workbench_masks_until_a_recorded_reveal(client):
    world = make_world()
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, world.tenant, app, answers(world))
        clear = services.unseal_for_applicant(world.tenant, app)["id_number"]
    slug = world.tenant.slug
    client.force_login(world.supervisor.user)
    queue = client.get(f"/{slug}/cases/work/").content.decode()
    assert app.reference in queue and "sla-" in queue
    page = client.get(f"/{slug}/cases/work/{app.pk}").content.decode()
    assert clear not in page and clear[:4] in page
    revealed = client.post(f"/{slug}/cases/work/{app.pk}/reveal", {"field": "id_number"})
    assert clear in revealed.content.decode()
    with tenant_context(world.tenant):
        assert AuditEvent.objects.filter(action="personal_data.reveal", object_id=str(app.pk)).exists()
    acted = client.post(f"/{slug}/cases/work/{app.pk}/act", {"action": "accept"})
    assert acted.status_code == 302
    with tenant_context(world.tenant):
        assert Application.objects.get(pk=app.pk).state == "review"
    dashboard = client.get(f"/{slug}/cases/work/dashboard")
    assert dashboard.status_code == 200 and "<svg" in dashboard.content.decode()


def test_citizens_cannot_open_the_workbench_or_others_cases(client):
    world = make_world()
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
    from tests.builders import make_citizen

    other = make_citizen(world.tenant)
    client.force_login(other.user)
    assert client.get(f"/{world.tenant.slug}/cases/work/").status_code == 403
    assert client.get(f"/{world.tenant.slug}/cases/mine/{app.pk}").status_code == 404


def test_the_verification_page_needs_no_login(client):
    world = make_world()
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, t, app, answers(world))
        services.act(SYSTEM, t, app, cw, "accept")
        app = services.decide(SYSTEM, t, app, cw, "approve", "ok")
        cert = app.certificate
    page = client.get(f"/{t.slug}/verify/{cert.pk}")
    assert page.status_code == 200 and 'data-status="valid"' in page.content.decode()
    with tenant_context(t):
        services.revoke(SYSTEM, t, cert, "吊销")
    page = client.get(f"/{t.slug}/verify/{cert.pk}")
    assert 'data-status="revoked"' in page.content.decode() and "吊销" in page.content.decode()
