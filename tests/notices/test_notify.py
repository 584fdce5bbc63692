"""notify(): the inbox message at once, e-mail and SMS after commit, as the person chose, with
delivery records, retries and recorded failure."""

import json

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from smartgov.audit.models import AuditEvent
from smartgov.kit.errors import InvalidInput, NotFound
from smartgov.notices import delivery as sending
from smartgov.notices import selectors, services
from smartgov.notices.models import Delivery, Message
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_member, make_tenant

pytestmark = pytest.mark.django_db
CONTEXT = {"service": "居住证办理", "reference": "LS-2026-000042", "deadline": "2026-12-08"}


def sms_sent():
    path = settings.SMS_FILE_PATH / "messages.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def notify(tenant, recipient, event="application_submitted", context=CONTEXT, **kwargs):
    with tenant_context(tenant):
        return services.notify(tenant, recipient, event, context, **kwargs)


class FlakySms:
    """Fails the first ``failures`` sends, then records like the simulator."""

    failures = 0
    calls = 0

    def send(self, phone, text):
        FlakySms.calls += 1
        if FlakySms.calls <= FlakySms.failures:
            raise ConnectionError("SMS gateway timed out")
        from smartgov.kit.sms import FileSmsBackend

        return FileSmsBackend().send(phone, text)


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = "tests.notices.test_notify.FlakySms"
    FlakySms.calls = 0
    return FlakySms


def test_a_notice_reaches_the_inbox_email_and_sms_after_commit(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        message = notify(tenant, citizen, link="/lishui/applications/1")
    assert mail.outbox == [] and sms_sent() == []  # nothing leaves before the commit
    with tenant_context(tenant):
        due = {d.channel: (d.status, d.next_attempt_at) for d in Delivery.objects.filter(message=message)}
    assert due == {"in_app": ("sent", None), "email": ("queued", message.created_at),
                   "sms": ("queued", message.created_at)}
    for callback in pending:
        callback()
    assert message.subject == "申请已受理：居住证办理（LS-2026-000042）"
    assert "张三，您好" in message.body
    (email,) = mail.outbox
    assert email.to == [citizen.user.email] and email.subject == message.subject
    assert "/lishui/applications/1" in email.body
    (text,) = sms_sent()
    assert text["to"] == "13812345678" and "LS-2026-000042" in text["text"]
    with tenant_context(tenant):
        statuses = {d.channel: (d.status, d.attempts, d.next_attempt_at)
                    for d in Delivery.objects.filter(message=message)}
        assert statuses == {"in_app": ("sent", 1, None), "email": ("sent", 1, None), "sms": ("sent", 1, None)}
        sms_delivery = Delivery.objects.get(message=message, channel="sms")
        assert sms_delivery.address_masked == "138****5678" and sms_delivery.provider_id.startswith("file-")
        assert AuditEvent.objects.filter(tenant=tenant, action="notice.create", object_id=str(message.pk)).exists()


def test_links_are_paths_or_https_and_mail_gets_them_absolute(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://gov.example/"
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    for bad in ("javascript:alert(1)", "//evil.example/x", "http://plain.example/"):
        with pytest.raises(InvalidInput):
            notify(tenant, citizen, link=bad)
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant, citizen, link="/city/applications/7")
    assert "https://gov.example/city/applications/7" in mail.outbox[0].body


def test_english_speakers_get_english(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    citizen.user.language = "en"
    citizen.user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(tenant, citizen, "decision_made", {**CONTEXT, "approved": True})
    assert message.language == "en" and "has been approved" in message.body
    assert mail.outbox[0].subject == "Decision on 居住证办理 (LS-2026-000042)"


@pytest.mark.parametrize(("email", "sms", "channels"), [
    (True, False, {"in_app", "email"}),
    (False, True, {"in_app", "sms"}),
    (False, False, {"in_app"}),
])
def test_the_channels_a_person_chose_are_honoured(email, sms, channels, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        services.set_preferences(SYSTEM, tenant, citizen, email=email, sms=sms)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(tenant, citizen)
    with tenant_context(tenant):
        assert {d.channel for d in Delivery.objects.filter(message=message)} == channels
    assert len(mail.outbox) == int(email) and len(sms_sent()) == int(sms)


def test_no_phone_means_no_sms():
    tenant = make_tenant()
    staff = make_member(tenant)  # no profile, no phone
    message = notify(tenant, staff)
    with tenant_context(tenant):
        assert {d.channel for d in Delivery.objects.filter(message=message)} == {"in_app", "email"}


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with django_capture_on_commit_callbacks(execute=True) as pending, tenant_context(tenant):
        try:
            with transaction.atomic():
                services.notify(tenant, citizen, "application_submitted", CONTEXT)
                raise RuntimeError("the submission failed after notifying")
        except RuntimeError:
            pass
    assert pending == []
    assert mail.outbox == [] and sms_sent() == []
    with tenant_context(tenant):
        assert not Message.objects.filter(tenant=tenant).exists()


def test_a_failing_channel_is_retried_until_it_succeeds(flaky_sms, django_capture_on_commit_callbacks):
    flaky_sms.failures = 2
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(tenant, citizen)
    with tenant_context(tenant):
        delivery = Delivery.objects.get(message=message, channel="sms")
    assert (delivery.status, delivery.attempts, delivery.last_error, delivery.next_attempt_at) == ("sent", 3, "", None)
    assert len(sms_sent()) == 1 and flaky_sms.calls == 3
    assert len(mail.outbox) == 1  # the other channel is unaffected


def test_a_channel_that_keeps_failing_is_given_up_and_recorded(flaky_sms, django_capture_on_commit_callbacks):
    flaky_sms.failures = 100
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(tenant, citizen)  # must return: the failure is recorded, not raised
    with tenant_context(tenant):
        delivery = Delivery.objects.get(message=message, channel="sms")
        assert delivery.status == "failed" and delivery.attempts == sending.MAX_ATTEMPTS
        assert delivery.next_attempt_at is None
        assert delivery.last_error == "ConnectionError: SMS gateway timed out"
        assert AuditEvent.objects.filter(tenant=tenant, action="notice.delivery_failed",
                                         object_id=str(delivery.pk)).exists()
        assert list(selectors.deliveries(tenant, status="failed")) == [delivery]
    assert flaky_sms.calls == sending.MAX_ATTEMPTS
    # A redelivered task for a delivery already given up does nothing.
    with tenant_context(tenant):
        assert sending.attempt_delivery(tenant, str(delivery.pk)) == sending.FAILED
    assert flaky_sms.calls == sending.MAX_ATTEMPTS


def test_a_sent_delivery_is_not_sent_twice(django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(tenant, citizen)
    with tenant_context(tenant):
        delivery = Delivery.objects.get(message=message, channel="email")
        assert sending.attempt_delivery(tenant, str(delivery.pk)) == sending.SENT
    assert len(mail.outbox) == 1


def test_retries_back_off_exponentially_with_jitter_up_to_an_hour():
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240), (7, 1920), (8, 3600), (20, 3600)]:
        delays = {sending.retry_delay(attempts).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempts, delays)
        assert len(delays) > 1  # jittered: failures that came together do not come back together


def test_another_tenants_member_cannot_be_notified_or_read():
    a, b = make_tenant(), make_tenant()
    citizen_b = make_citizen(b)
    message = notify(b, citizen_b)
    with tenant_context(a):
        with pytest.raises(NotFound):
            services.notify(a, citizen_b, "application_submitted", CONTEXT)
        with pytest.raises(NotFound):
            selectors.message_of(a, citizen_b, message.pk)
    with tenant_context(b):
        other = make_citizen(b)
        with pytest.raises(NotFound):
            selectors.message_of(b, other, message.pk)
