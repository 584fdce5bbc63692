"""Every notice of case work names the service in its reader's language: an English-speaking
applicant reads the English name, a Chinese-speaking one the Chinese, from one and the same case
(the context carries both names and the notices app renders each message in its reader's language)."""

from __future__ import annotations

import pytest

from smartgov.cases import services
from smartgov.notices import services as notices
from smartgov.notices.models import Message
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen
from tests.cases.builders import answers, make_world, upload

pytestmark = pytest.mark.django_db


def walk(world, applicant):
    """Submit, be asked to correct the area, correct it, be approved (and get a certificate)."""
    t, cw = world.tenant, world.caseworker
    lease = str(upload(t, applicant))
    with tenant_context(t):
        app = services.start(SYSTEM, t, applicant, world.service.pk)
        app = services.submit(SYSTEM, t, app, answers(world, lease=lease))
        services.act(SYSTEM, t, app, cw, "accept")
        services.act(SYSTEM, t, app, cw, "request_correction", reason="-", items=["area", "shop_name"])
        services.amend(SYSTEM, t, app, {"area": 80})
        services.decide(SYSTEM, t, app, cw, "approve", "-")
        return {
            m.event: m for m in Message.objects.filter(tenant=t, recipient=applicant).order_by("created_at")
        }


def test_each_applicant_reads_the_service_name_in_their_own_language():
    world = make_world()
    with tenant_context(world.tenant):
        # The shipped wording of a certificate names the certificate; a tenant's may name the service.
        for language in ("en", "zh-hans"):
            notices.set_template(SYSTEM, world.tenant, event="certificate_issued", language=language,
                                 subject="{{ service }}: {{ certificate }}", body="{{ service }}", sms_text="-")
        english = make_citizen(world.tenant)
        english.user.language = "en"
        english.user.save(update_fields=["language"])
        world.citizen.user.language = "zh-hans"
        world.citizen.user.save(update_fields=["language"])
    read_in_english = walk(world, english)
    read_in_chinese = walk(world, world.citizen)

    events = ["application_submitted", "correction_requested", "decision_made", "certificate_issued"]
    assert list(read_in_english) == list(read_in_chinese) == events
    for event in events:
        message = read_in_english[event]
        assert message.language == "en"
        assert "Food business licence" in message.subject and "食品" not in message.subject + message.body, event
        message = read_in_chinese[event]
        assert "食品经营许可" in message.subject and "Food business" not in message.subject + message.body, event
    # The items to correct are named by their labels, in the reader's language too.
    assert "needs a correction:\nArea, Shop name" in read_in_english["correction_requested"].body
    assert "需要补正：\n面积, 店名" in read_in_chinese["correction_requested"].body
