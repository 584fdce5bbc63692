"""With a broker (production), notices go through an outbox against a real Redis broker: the request
that notifies publishes nothing; the beat task ``dispatch`` queues one ``deliver`` task per due
delivery, leasing it; a failed attempt is due again after a growing delay, until it is given up."""

import threading
import uuid
from datetime import UTC, datetime, timedelta
from queue import Empty

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection

from smartgov.audit.models import AuditEvent
from smartgov.config.celery import app
from smartgov.config.env import env
from smartgov.kit import clock
from smartgov.notices import delivery as sending
from smartgov.notices import services, tasks
from smartgov.notices.models import Delivery
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_tenant

pytestmark = pytest.mark.django_db
CONTEXT = {"service": "居住证办理", "reference": "LS-2026-000042", "deadline": "2026-12-08"}
T0 = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DELIVER = "smartgov.notices.tasks.deliver"


@pytest.fixture
def broker(settings):
    """Celery publishing to Redis (database 13) on a queue of this test's own, read back with kombu."""
    queue = f"test-notices-{uuid.uuid4().hex}"
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url="redis://127.0.0.1:6379/13", task_always_eager=False, task_default_queue=queue)
    _forget_connections()
    try:
        with app.connection_for_read() as connection:
            simple = connection.SimpleQueue(queue)

            def published() -> list[tuple[str, list]]:
                found = []
                while True:
                    try:
                        message = simple.get(timeout=0.3)  # published before apply_async returned
                    except Empty:
                        return found
                    message.ack()
                    found.append((message.headers["task"], message.payload[0]))
                    published.headers.append(message.headers)

            published.headers = []
            yield published
            simple.queue.delete()
            simple.close()
    finally:
        app.conf.update(saved)
        _forget_connections()


def _forget_connections() -> None:
    """Celery reads the broker, its connection pools and the default queue once; make it read them
    again (as after a fork)."""
    app._after_fork()
    app.amqp.__dict__.pop("queues", None)
    app.amqp.__dict__.pop("router", None)


class GatewayDown:
    """An SMS provider that times out on every send."""

    calls = 0

    def send(self, phone, text):
        GatewayDown.calls += 1
        raise ConnectionError("SMS gateway timed out")


@pytest.fixture
def gateway_down(settings):
    settings.SMS_BACKEND = "tests.notices.test_broker.GatewayDown"
    GatewayDown.calls = 0
    return GatewayDown


def notify(tenant, citizen, capture, at):
    with clock.frozen_at(at), capture(execute=True), tenant_context(tenant):
        return services.notify_now(tenant, citizen, "application_submitted", CONTEXT)


def dispatch(capture, at):
    """``tasks.dispatch`` as beat has a worker run it at ``at`` (its publishes happen on commit)."""
    with clock.frozen_at(at), capture(execute=True):
        return tasks.dispatch()


def queued(tenant, message):
    with tenant_context(tenant):
        return {d.channel: d for d in Delivery.objects.filter(message=message).exclude(channel="in_app")}


def tasks_for(tenant, *deliveries):
    return sorted((DELIVER, [str(tenant.pk), str(d.pk), d.attempts]) for d in deliveries)


def test_a_notice_publishes_nothing_and_its_deliveries_are_due_at_once(broker, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    message = notify(tenant, citizen, django_capture_on_commit_callbacks, T0)
    assert broker() == []  # nothing reached the broker from the request...
    assert mail.outbox == []  # ...and nothing was sent in it
    rows = queued(tenant, message)
    assert {c: (d.status, d.attempts, d.next_attempt_at) for c, d in rows.items()} == {
        "email": ("queued", 0, T0), "sms": ("queued", 0, T0)}


def test_dispatch_queues_one_task_per_due_delivery_and_leases_it(broker, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    first = queued(tenant, notify(tenant, citizen, capture, T0))
    later = queued(tenant, notify(tenant, citizen, capture, T0 + 60 * SECOND))

    assert dispatch(capture, T0 + 30 * SECOND) == {tenant.slug: 2}
    assert sorted(broker()) == tasks_for(tenant, *first.values())  # only the due ones
    # A task still waiting in the broker when its lease ends is dropped: the delivery is queued again.
    assert {h["expires"] for h in broker.headers} == {(T0 + 30 * SECOND + sending.LEASE).isoformat()}
    with tenant_context(tenant):
        leased = set(Delivery.objects.filter(pk__in=[d.pk for d in first.values()])
                     .values_list("next_attempt_at", flat=True))
    assert leased == {T0 + 30 * SECOND + sending.LEASE}

    assert dispatch(capture, T0 + 30 * SECOND) == {}  # run again at once: they are leased
    assert broker() == []

    assert dispatch(capture, T0 + 61 * SECOND) == {tenant.slug: 2}  # the later notice is due now
    assert sorted(broker()) == tasks_for(tenant, *later.values())

    for _name, (tenant_id, delivery_id, attempts) in [*tasks_for(tenant, *first.values(), *later.values())]:
        assert tasks.deliver(tenant_id, delivery_id, attempts) == sending.SENT  # as a worker runs it
    assert len(mail.outbox) == 2
    with tenant_context(tenant):
        assert set(Delivery.objects.filter(tenant=tenant).values_list("status", "next_attempt_at")) == {
            ("sent", None)}
    assert dispatch(capture, T0 + 2 * sending.LEASE) == {}  # sent: never queued again
    assert broker() == []


def test_a_delivery_whose_task_was_lost_comes_back_when_its_lease_ends(broker, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    rows = queued(tenant, notify(tenant, citizen, capture, T0))
    assert dispatch(capture, T0) == {tenant.slug: 2}
    broker()  # the worker that took these tasks died: they are gone
    assert dispatch(capture, T0 + sending.LEASE - SECOND) == {}
    assert broker() == []
    assert dispatch(capture, T0 + sending.LEASE) == {tenant.slug: 2}
    assert sorted(broker()) == tasks_for(tenant, *rows.values())


def test_a_failed_attempt_is_due_again_after_a_growing_delay_until_given_up(
    broker, gateway_down, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        services.set_preferences(SYSTEM, tenant, citizen, email=False, sms=True)
    (sms,) = queued(tenant, notify(tenant, citizen, capture, T0)).values()

    now = T0
    for attempt in range(1, sending.MAX_ATTEMPTS + 1):
        assert dispatch(capture, now) == {tenant.slug: 1}
        assert broker() == tasks_for(tenant, sms)
        with clock.frozen_at(now):
            outcome = tasks.deliver(str(tenant.pk), str(sms.pk), sms.attempts)
        assert broker() == []  # the task retries nothing itself: the row says when
        with tenant_context(tenant):
            sms.refresh_from_db()
        assert sms.attempts == attempt and sms.last_error == "ConnectionError: SMS gateway timed out"
        if attempt == sending.MAX_ATTEMPTS:
            break
        assert (outcome, sms.status) == (sending.RETRY, "queued")
        ceiling = sending.RETRY_BASE * 2 ** (attempt - 1)  # 30 s, 60 s, 120 s, 240 s
        assert ceiling / 2 <= sms.next_attempt_at - now <= ceiling
        assert dispatch(capture, sms.next_attempt_at - SECOND) == {}  # not before it is due
        assert broker() == []
        now = sms.next_attempt_at

    assert (outcome, sms.status, sms.next_attempt_at) == (sending.FAILED, "failed", None)
    assert gateway_down.calls == sending.MAX_ATTEMPTS
    assert dispatch(capture, now + timedelta(days=1)) == {}
    assert broker() == []


def test_dispatch_claims_oldest_due_first_in_bounded_batches(broker, django_capture_on_commit_callbacks, monkeypatch):
    capture = django_capture_on_commit_callbacks
    monkeypatch.setattr(sending, "DISPATCH_BATCH", 2)
    monkeypatch.setattr(tasks, "BATCHES_PER_RUN", 2)
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    # Written in one order, due in another (a retry comes due after a newer notice).
    last, first, second = (queued(tenant, notify(tenant, citizen, capture, T0 + n * SECOND)) for n in (2, 0, 1))
    assert dispatch(capture, T0 + 10 * SECOND) == {tenant.slug: 4}  # two batches of two in a run
    assert sorted(broker()) == tasks_for(tenant, *first.values(), *second.values())
    assert dispatch(capture, T0 + 10 * SECOND) == {tenant.slug: 2}  # the rest in the next run
    assert sorted(broker()) == tasks_for(tenant, *last.values())


def test_each_tenants_deliveries_are_dispatched_under_that_tenant(broker, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    a, b = make_tenant(), make_tenant()
    rows_a = queued(a, notify(a, make_citizen(a), capture, T0))
    rows_b = queued(b, notify(b, make_citizen(b), capture, T0))
    assert dispatch(capture, T0) == {a.slug: 2, b.slug: 2}
    published = sorted(broker())
    assert published == sorted(tasks_for(a, *rows_a.values()) + tasks_for(b, *rows_b.values()))
    for _name, (tenant_id, delivery_id, attempts) in published:
        assert tasks.deliver(tenant_id, delivery_id, attempts) == sending.SENT
    assert sorted(m.to[0].split("@")[1] for m in mail.outbox) == sorted([f"{a.slug}.test", f"{b.slug}.test"])


def test_beat_runs_the_dispatcher_every_few_seconds(monkeypatch):
    (entry,) = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.dispatch.name]
    assert entry["schedule"] == env("SMARTGOV_NOTICE_DISPATCH_SECONDS")
    monkeypatch.delenv("SMARTGOV_NOTICE_DISPATCH_SECONDS", raising=False)
    assert env("SMARTGOV_NOTICE_DISPATCH_SECONDS") == 5
    assert tasks.dispatch.name in app.tasks and tasks.deliver.name in app.tasks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_locked_elsewhere_is_skipped_not_waited_for(broker):
    """A worker sending a delivery, or another dispatcher claiming it, holds its row: the dispatcher
    passes it by (SKIP LOCKED) instead of waiting, and never queues it twice."""
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        services.notify_now(tenant, citizen, "application_submitted", CONTEXT)
    with tenant_context(tenant):
        email, sms = Delivery.objects.filter(tenant=tenant, status="queued").order_by("channel")
    locked, done = threading.Event(), threading.Event()

    def sender():
        try:
            with tenant_context(tenant):
                Delivery.objects.select_for_update().get(pk=sms.pk)
                locked.set()
                done.wait(timeout=5)  # held until the dispatcher is done (or, were it waiting, 5 s)
        finally:
            connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        assert locked.wait(timeout=5)
        with clock.frozen_at(clock.now() + SECOND):
            assert tasks.dispatch() == {tenant.slug: 1}
        assert broker() == tasks_for(tenant, email)
    finally:
        done.set()
        thread.join()


class SlowGateway:
    """An SMS provider that, while it is answering, lets the test look at the database (``during``)."""

    during = None
    sent: list = []

    def send(self, phone, text):
        SlowGateway.during()
        SlowGateway.sent.append(phone)
        return f"sms-{len(SlowGateway.sent)}"


@pytest.fixture
def slow_gateway(settings):
    settings.SMS_BACKEND = "tests.notices.test_broker.SlowGateway"
    SlowGateway.sent = []
    return SlowGateway


def _sms_only(tenant, citizen, capture):
    with tenant_context(tenant):
        services.set_preferences(SYSTEM, tenant, citizen, email=False, sms=True)
    (sms,) = queued(tenant, notify(tenant, citizen, capture, T0)).values()
    return sms


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_transaction_or_row_lock_is_held_while_the_gateway_answers(
    broker, slow_gateway, django_capture_on_commit_callbacks
):
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), django_capture_on_commit_callbacks)
    seen = {}

    def during():
        seen["in_transaction"] = connection.in_atomic_block
        found = {}

        def other_worker():  # another connection takes the row at once, without waiting
            try:
                with tenant_context(tenant):
                    row = Delivery.objects.select_for_update(nowait=True).get(pk=sms.pk)
                    found.update(attempts=row.attempts, due=row.next_attempt_at)
            finally:
                connection.close()

        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join()
        seen["row"] = found

    slow_gateway.during = during
    with clock.frozen_at(T0):
        assert tasks.deliver(str(tenant.pk), str(sms.pk), 0) == sending.SENT
    # While sending: no transaction open, the row free, the attempt counted and leased.
    assert seen == {"in_transaction": False, "row": {"attempts": 1, "due": T0 + sending.LEASE}}
    with tenant_context(tenant):
        sms.refresh_from_db()
    assert (sms.status, sms.provider_id, sms.next_attempt_at) == ("sent", "sms-1", None)


def test_a_task_delivered_again_while_the_first_is_sending_sends_nothing(
    broker, slow_gateway, django_capture_on_commit_callbacks
):
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), django_capture_on_commit_callbacks)
    duplicate = []
    # The broker hands the same task to a second worker while the first waits on the gateway.
    slow_gateway.during = lambda: duplicate.append(tasks.deliver(str(tenant.pk), str(sms.pk), 0))
    assert tasks.deliver(str(tenant.pk), str(sms.pk), 0) == sending.SENT
    assert duplicate == [sending.SKIPPED]
    assert len(slow_gateway.sent) == 1


class WorkerKilled(BaseException):
    """The worker process dying mid-send (not an error the attempt can record)."""


def test_a_delivery_whose_worker_died_while_sending_is_tried_again_when_its_lease_ends(
    broker, slow_gateway, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), capture)
    assert dispatch(capture, T0) == {tenant.slug: 1}
    assert broker() == tasks_for(tenant, sms)

    def killed():
        raise WorkerKilled

    slow_gateway.during = killed
    with clock.frozen_at(T0 + SECOND), pytest.raises(WorkerKilled):
        tasks.deliver(str(tenant.pk), str(sms.pk), 0)
    with tenant_context(tenant):
        sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == ("queued", 1, T0 + SECOND + sending.LEASE)
    assert dispatch(capture, T0 + sending.LEASE) == {}  # its lease runs on
    assert broker() == []
    assert dispatch(capture, T0 + SECOND + sending.LEASE) == {tenant.slug: 1}
    assert broker() == tasks_for(tenant, sms)  # queued again, with the attempt counted
    slow_gateway.during = lambda: None
    assert tasks.deliver(str(tenant.pk), str(sms.pk), 0) == sending.SKIPPED  # the dead worker's task, redelivered
    assert tasks.deliver(str(tenant.pk), str(sms.pk), 1) == sending.SENT
    assert len(slow_gateway.sent) == 1


def test_attempts_whose_outcome_was_never_recorded_end_the_delivery_as_failed(
    broker, slow_gateway, django_capture_on_commit_callbacks
):
    """Workers that died (or hung past the time limit) while sending leave no outcome; after
    MAX_ATTEMPTS such claims the next task gives the delivery up instead of trying forever."""
    capture = django_capture_on_commit_callbacks
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), capture)

    def killed():
        raise WorkerKilled

    slow_gateway.during = killed
    for attempt in range(sending.MAX_ATTEMPTS):
        with pytest.raises(WorkerKilled):
            tasks.deliver(str(tenant.pk), str(sms.pk), attempt)
    assert tasks.deliver(str(tenant.pk), str(sms.pk), sending.MAX_ATTEMPTS) == sending.FAILED
    with tenant_context(tenant):
        sms.refresh_from_db()
        assert AuditEvent.objects.filter(tenant=tenant, action="notice.delivery_failed", object_id=str(sms.pk)).exists()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == ("failed", sending.MAX_ATTEMPTS, None)
    assert slow_gateway.sent == []


def test_an_address_that_cannot_be_read_is_a_failed_attempt_counted_like_any_other(
    broker, slow_gateway, django_capture_on_commit_callbacks, monkeypatch
):
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), django_capture_on_commit_callbacks)

    def undecryptable(tenant, membership):
        raise ValueError("the phone does not decrypt")

    monkeypatch.setattr(sending, "phone_of", undecryptable)
    slow_gateway.during = lambda: None
    for attempt in range(sending.MAX_ATTEMPTS):
        outcome = tasks.deliver(str(tenant.pk), str(sms.pk), attempt)
    assert outcome == sending.FAILED
    with tenant_context(tenant):
        sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", sending.MAX_ATTEMPTS)
    assert sms.last_error == "ValueError: the phone does not decrypt"
    assert slow_gateway.sent == []


def test_a_late_success_is_recorded_even_after_a_newer_attempt_gave_up(
    broker, slow_gateway, django_capture_on_commit_callbacks
):
    """An attempt that outlived its lease sends after all, while the delivery has been given up:
    the row says sent, since the message went out."""
    tenant = make_tenant()
    sms = _sms_only(tenant, make_citizen(tenant), django_capture_on_commit_callbacks)

    def given_up_meanwhile():
        with tenant_context(tenant):
            Delivery.objects.filter(pk=sms.pk).update(status="failed", next_attempt_at=None)

    slow_gateway.during = given_up_meanwhile
    assert tasks.deliver(str(tenant.pk), str(sms.pk), 0) == sending.SENT
    with tenant_context(tenant):
        sms.refresh_from_db()
    assert (sms.status, sms.provider_id) == ("sent", "sms-1")


def test_a_send_is_cut_off_well_within_the_lease():
    assert tasks.deliver.soft_time_limit < tasks.deliver.time_limit <= sending.LEASE.total_seconds() / 2
    assert tasks.deliver.soft_time_limit > django_settings.EMAIL_TIMEOUT
