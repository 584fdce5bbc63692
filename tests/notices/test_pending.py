"""With a broker, a notice costs the request one ``PendingNotice`` row; the dispatcher writes the
message and its deliveries (``services.write_pending``) exactly once, rendered as the in-process
path renders them, and queues the deliveries in the same run."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from smartgov.audit.models import AuditEvent
from smartgov.cases.services._common import Bilingual
from smartgov.kit import clock
from smartgov.notices import delivery as sending
from smartgov.notices import rendering, services, tasks
from smartgov.notices.models import Delivery, Message, PendingNotice
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_tenant
from tests.notices.test_broker import broker, tasks_for  # noqa: F401  (the broker fixture)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
# What a case's notice carries: a bilingual name, a lazy translation, a date, a number and None.
CONTEXT = {
    "service": Bilingual("居住证办理", "Residence permit"),
    "reference": "LS-2026-000042",
    "deadline": date(2026, 12, 18),
    "items": gettext_lazy("Text message"),
    "amount": 12,
    "action": None,
}


def rows(tenant, model, **filters):
    with tenant_context(tenant):
        return list(model.objects.filter(tenant=tenant, **filters))


def english(citizen):
    citizen.user.language = "en"
    citizen.user.save(update_fields=["language"])
    return citizen


def test_with_a_broker_the_request_writes_one_pending_row_and_the_dispatcher_the_rest(
    broker, django_capture_on_commit_callbacks  # noqa: F811
):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with clock.frozen_at(T0), django_capture_on_commit_callbacks(execute=True), tenant_context(tenant):
        assert services.notify(tenant, citizen, "application_submitted", CONTEXT, link="/x/applications/1") is None
    assert broker() == [] and mail.outbox == []
    assert rows(tenant, Message) == [] and rows(tenant, Delivery) == []
    (pending,) = rows(tenant, PendingNotice)
    assert (pending.event, pending.language, pending.created_at) == ("application_submitted", "zh-hans", T0)
    assert pending.context == {"service": "居住证办理", "reference": "LS-2026-000042",
                               "deadline": {"date": "2026-12-18"}, "items": "短信", "amount": 12, "action": None}

    with clock.frozen_at(T0 + 3 * SECOND), django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch() == {tenant.slug: 2}  # written, then its e-mail and SMS queued in the same run
    (message,) = rows(tenant, Message)
    assert message.created_at == T0  # dated when it was given, not when it was written
    assert message.link == "/x/applications/1"
    deliveries = rows(tenant, Delivery)
    assert sorted(broker()) == tasks_for(tenant, *[d for d in deliveries if d.channel != "in_app"])
    assert {d.channel: d.status for d in deliveries} == {"in_app": "sent", "email": "queued", "sms": "queued"}
    assert rows(tenant, PendingNotice) == []
    with clock.frozen_at(T0 + 6 * SECOND), django_capture_on_commit_callbacks(execute=True):
        assert tasks.dispatch() == {}  # nothing is written or queued twice
    assert len(rows(tenant, Message)) == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dispatcher_renders_a_notice_as_the_request_would_have(broker, language):  # noqa: F811
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    if language == "en":
        english(citizen)
    with tenant_context(tenant):
        now = services.notify_now(tenant, citizen, "correction_requested", CONTEXT)
        services.notify(tenant, citizen, "correction_requested", CONTEXT)
        assert services.write_pending(tenant) == 1
        later = Message.objects.filter(tenant=tenant).exclude(pk=now.pk).get()
    assert (later.language, later.subject, later.body, later.sms_text) == (
        now.language, now.subject, now.body, now.sms_text)
    # ...and as the request rendered it before there were pending notices: from the values as given.
    with tenant_context(tenant):
        raw = rendering.render(services.wording(tenant, "correction_requested", language)[0],
                               {**CONTEXT, "tenant": tenant.display_name(language), "name": "张三"}, language)
    assert (later.subject, later.body, later.sms_text) == (raw.subject, raw.body, raw.sms)
    assert ("Residence permit" if language == "en" else "居住证办理") in later.body
    assert ("Text message" if language == "en" else "短信") in later.body


def test_a_rolled_back_request_leaves_no_pending_notice(broker):  # noqa: F811
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant), pytest.raises(RuntimeError), transaction.atomic():
        services.notify(tenant, citizen, "application_submitted", CONTEXT)
        raise RuntimeError("the submission failed after notifying")
    assert rows(tenant, PendingNotice) == []


def test_notices_that_cannot_be_written_are_put_off_then_given_up_and_hold_up_no_other(broker, caplog):  # noqa: F811
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        # Rows no release writes (an event this release does not know), older than a good notice.
        for n in range(3):
            PendingNotice.objects.create(tenant=tenant, recipient=citizen, event="no_such_event", language="en",
                                         context={}, created_at=T0 + n * SECOND, next_try_at=T0 + n * SECOND)
        with clock.frozen_at(T0 + 3 * SECOND):
            services.notify(tenant, citizen, "application_submitted", CONTEXT)
    # Batches of two: the first is all bad rows, yet the good notice is written by the next one.
    with tenant_context(tenant), clock.frozen_at(T0 + 4 * SECOND):
        assert services.write_pending(tenant, limit=2) == 2
        assert services.write_pending(tenant, limit=2) == 2
    assert [m.event for m in rows(tenant, Message)] == ["application_submitted"]
    bad = rows(tenant, PendingNotice)
    assert [(p.tries, p.last_error.startswith("KeyError")) for p in bad] == [(1, True)] * 3
    assert all(T0 + 4 * SECOND + sending.RETRY_BASE / 2 <= p.next_try_at <= T0 + 4 * SECOND + sending.RETRY_BASE
               for p in bad)
    assert "could not be written" in caplog.text
    with tenant_context(tenant), clock.frozen_at(T0 + 5 * SECOND):
        assert services.write_pending(tenant) == 0  # not due again yet
    at = T0
    for _try in range(2, sending.MAX_ATTEMPTS + 1):
        at += 2 * sending.RETRY_MAX
        with tenant_context(tenant), clock.frozen_at(at):
            assert services.write_pending(tenant) == 3
    given_up = rows(tenant, PendingNotice)
    assert [(p.tries, p.next_try_at) for p in given_up] == [(sending.MAX_ATTEMPTS, None)] * 3
    with tenant_context(tenant), clock.frozen_at(at + timedelta(days=30)):
        assert services.write_pending(tenant) == 0  # given up: never taken again
        audited = AuditEvent.objects.filter(tenant=tenant, action="notice.write_failed")
        assert sorted(e.object_id for e in audited) == sorted(str(p.pk) for p in given_up)


def test_pending_notices_are_written_in_their_own_tenant_in_bounded_batches(broker):  # noqa: F811
    a, b = make_tenant(), make_tenant()
    citizen_a, citizen_b = make_citizen(a), make_citizen(b)
    for tenant, citizen, count in ((a, citizen_a, 3), (b, citizen_b, 1)):
        with tenant_context(tenant):
            for n in range(count):
                with clock.frozen_at(T0 + n * SECOND):
                    services.notify(tenant, citizen, "application_submitted", {**CONTEXT, "reference": f"R-{n}"})
    with tenant_context(a), clock.frozen_at(T0 + 5 * SECOND):
        assert services.write_pending(a, limit=2) == 2  # oldest first
        assert sorted(m.created_at for m in Message.objects.filter(tenant=a)) == [T0, T0 + SECOND]
    assert len(rows(b, PendingNotice)) == 1 and rows(b, Message) == []
    with tenant_context(a), clock.frozen_at(T0 + 5 * SECOND):
        assert services.write_pending(a) == 1
    assert {m.recipient_id for m in rows(a, Message)} == {citizen_a.pk}


def test_a_notice_given_shortly_is_not_written_before_it_is_due(broker):  # noqa: F811
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant), clock.frozen_at(T0):
        services.notify(tenant, citizen, "application_submitted", CONTEXT)
    with tenant_context(tenant), clock.frozen_at(T0 - SECOND):  # another host's clock, a second behind
        assert services.write_pending(tenant) == 0
    with tenant_context(tenant), clock.frozen_at(T0):
        assert services.write_pending(tenant) == 1


def test_what_a_notice_cannot_carry_is_refused_when_it_is_given(broker):  # noqa: F811
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        for value in (["a", "b"], {"a": 1}, time(10, 30), float("nan"), citizen):
            with pytest.raises(TypeError):
                services.notify(tenant, citizen, "application_submitted", {**CONTEXT, "items": value})
        services.notify(tenant, citizen, "application_submitted", {**CONTEXT, "link": "x" * 600},
                        link="/x/" + "y" * 600)
        (row,) = PendingNotice.objects.filter(tenant=tenant)
    assert len(row.link) == 500  # as long as the message's link can be


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_write_each_notice_exactly_once(broker):  # noqa: F811
    """Each takes the rows the other has not locked (SKIP LOCKED) and deletes what it wrote in the
    same transaction: however they interleave, no notice is written twice or left behind."""
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        for n in range(40):
            services.notify(tenant, citizen, "application_submitted", {**CONTEXT, "reference": f"R-{n}"})
    start, counts = threading.Barrier(2), []

    def dispatcher():
        try:
            start.wait(timeout=5)
            with tenant_context(tenant):
                counts.append(services.write_pending(tenant, limit=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with tenant_context(tenant):
        counts.append(services.write_pending(tenant))
    bodies = [m.body for m in rows(tenant, Message)]
    assert sum(counts) == 40 and len(bodies) == 40 and len(set(bodies)) == 40  # each reference once
    assert rows(tenant, PendingNotice) == []
