"""Notice wording: shipped defaults in both languages, tenant overrides, refusals."""

from datetime import date

import pytest

from smartgov.kit.errors import InvalidInput
from smartgov.notices import events, rendering, selectors, services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_tenant

SAMPLE = {
    "service": "食品经营许可", "reference": "LS-2026-000123", "deadline": "2026-12-01", "items": "营业执照复印件",
    "approved": True, "reason": "材料齐全", "certificate": "食品经营许可证", "valid_until": "2031-11-30",
    "action": "补正材料", "amount": "¥12.34", "bill_reference": "BL-2026-000001", "paid_at": "2026-11-24 10:00",
    "due_date": "2026-12-31", "description": "水费", "tenant": "丽水市", "name": "张三",
    "step": "现场核查", "due": "2026-11-20", "escalated_to": "科长",
}


@pytest.mark.parametrize("event", events.EVENTS)
@pytest.mark.parametrize("language", events.LANGUAGES)
def test_every_default_renders_completely(event, language):
    text = rendering.render(events.DEFAULTS[(event, language)], SAMPLE, language)
    for part in (text.subject, text.body, text.sms):
        assert part and "{{" not in part and "{%" not in part
    used = [key for key in events.CONTEXT[event] if str(SAMPLE[key]) in text.body]
    assert used, f"{event}/{language} uses none of its context"


def test_each_language_has_its_own_wording():
    zh = rendering.render(events.DEFAULTS[(events.DECISION_MADE, "zh-hans")], {**SAMPLE, "approved": False}, "zh-hans")
    en = rendering.render(events.DEFAULTS[(events.DECISION_MADE, "en")], {**SAMPLE, "approved": False}, "en")
    assert "未予准许" in zh.body and "LS-2026-000123" in zh.body
    assert "refused" in en.body and "Dear 张三" in en.body
    assert zh.sms.startswith("【丽水市】")


def test_plain_text_is_not_html_escaped():
    text = rendering.render(events.Wording("{{ a }}", "{{ a }}", "{{ a }}"), {"a": "A & B <C>"}, "en")
    assert text.body == "A & B <C>"


def test_language_follows_the_persons_preference():
    assert events.language_of("en-gb") == "en"
    assert events.language_of("") == events.language_of("zh-hans") == "zh-hans"


@pytest.mark.django_db
def test_a_tenant_override_replaces_the_default_and_can_be_reset():
    tenant = make_tenant()
    with tenant_context(tenant):
        services.set_template(SYSTEM, tenant, event="application_submitted", language="en",
                              subject="Got it: {{ reference }}", body="We have {{ reference }}.",
                              sms_text="OK {{ reference }}")
        wording, overridden = services.wording(tenant, "application_submitted", "en")
        assert overridden and wording.subject == "Got it: {{ reference }}"
        assert not services.wording(tenant, "application_submitted", "zh-hans")[1]
        views = {(t.event, t.language): t for t in selectors.templates(tenant)}
        assert len(views) == len(events.EVENTS) * 2 and views[("application_submitted", "en")].overridden
        services.reset_template(SYSTEM, tenant, event="application_submitted", language="en")
        assert services.wording(tenant, "application_submitted", "en") == (
            events.DEFAULTS[("application_submitted", "en")], False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "{% if approved %}never closed"}, "body"),
        ({"sms": "{{ reference|nosuchfilter }}"}, "sms"),
        ({"subject": "  "}, "subject"),
        ({"event": "nope"}, "event"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_templates_are_refused_naming_the_part(changes, field):
    tenant = make_tenant()
    values = {"event": "decision_made", "language": "zh-hans", "subject": "s", "body": "b", "sms_text": "t"}
    values.update({("sms_text" if k == "sms" else k): v for k, v in changes.items()})
    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.set_template(SYSTEM, tenant, **values)
    assert refused.value.details[0]["field"] == field


def test_a_compiled_wording_is_reused_but_renders_each_context_and_language_afresh():
    wording = events.Wording("{{ reference }}", "{{ name }}: {{ reference }}", "{{ reference }}")
    first = rendering.render(wording, {"reference": "A-1", "name": "张三"}, "zh-hans")
    second = rendering.render(wording, {"reference": "B-2"}, "en")
    assert (first.subject, first.body) == ("A-1", "张三: A-1")
    assert (second.subject, second.body) == ("B-2", ": B-2")  # nothing carried over from the first
    dated = events.Wording("{{ day }}", "x", "x")  # dates are shown in the reader's language
    day = {"day": date(2026, 3, 2)}
    assert rendering.render(dated, day, "zh-hans").subject == "2026年3月2日"
    assert rendering.render(dated, day, "en").subject == "March 2, 2026"
