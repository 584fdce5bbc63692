"""The cases pages speak Simplified Chinese, and the cases catalogue is complete."""

from __future__ import annotations

import pytest

from smartgov.cases import services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import answers, make_world
from tests.pofile import catalogue, problems, read


def chinese(client, url: str) -> str:
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
def test_pages_speak_chinese(client):
    world = make_world()
    t = world.tenant
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, t, app, answers(world))
        services.act(SYSTEM, t, app, world.caseworker, "accept")
        app = services.decide(SYSTEM, t, app, world.caseworker, "approve", "ok")
        cert = app.certificate
    verify = chinese(client, f"/{t.slug}/verify/{cert.pk}")
    assert "证照核验" in verify and "有效：签名核验通过，证照在有效期内。" in verify
    assert "证照编号" in verify and "有效期" in verify and "持证人" in verify
    client.force_login(world.citizen.user)
    mine = chinese(client, f"/{t.slug}/cases/mine/")
    assert "我的办件" in mine and "办件编号" in mine and "我的证照" in mine and app.reference in mine
    client.cookies["django_language"] = "en"
    english = client.get(f"/{t.slug}/verify/{cert.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Certificate verification" in english and "证照核验" not in english


def test_the_catalogue_is_complete():
    entries = read(catalogue("cases"))
    assert len(entries) > 150
    assert problems(catalogue("cases")) == []
