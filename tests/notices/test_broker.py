"""With a broker (production), a notice's deliveries reach a real Redis broker as one message; the
``fan_out`` task then queues one ``deliver`` task per channel, and each of those sends its delivery."""

import uuid
from queue import Empty

import pytest
from django.core import mail

from smartgov.config.celery import app
from smartgov.notices import services, tasks
from smartgov.notices.models import Delivery
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_tenant

pytestmark = pytest.mark.django_db
CONTEXT = {"service": "居住证办理", "reference": "LS-2026-000042", "deadline": "2026-12-08"}


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


def notify(tenant, citizen, capture):
    with capture(execute=True), tenant_context(tenant):
        return services.notify(tenant, citizen, "application_submitted", CONTEXT)


def test_one_message_per_notice_then_one_task_per_channel(broker, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    message = notify(tenant, citizen, django_capture_on_commit_callbacks)
    with tenant_context(tenant):
        queued = {str(d.pk): d.channel for d in Delivery.objects.filter(message=message, status="queued")}
    assert sorted(queued.values()) == ["email", "sms"]
    assert mail.outbox == []  # nothing was sent in the request: it went to the broker

    ((name, args),) = broker()
    assert name == "smartgov.notices.tasks.fan_out" and args == [str(tenant.pk), list(queued)]

    assert tasks.fan_out(*args) == 2  # as a worker runs it
    deliveries = broker()
    assert [name for name, _ in deliveries] == ["smartgov.notices.tasks.deliver"] * 2
    assert {delivery_id for _tenant, delivery_id in (a for _, a in deliveries)} == set(queued)

    for _name, (tenant_id, delivery_id) in deliveries:  # each worker task sends its channel
        assert tasks.deliver(tenant_id, delivery_id) == services.SENT
    assert len(mail.outbox) == 1
    with tenant_context(tenant):
        assert set(Delivery.objects.filter(message=message).values_list("status", flat=True)) == {"sent"}
    # Run again (a worker died after queueing), the tasks find nothing left to send.
    for _name, (tenant_id, delivery_id) in deliveries:
        assert tasks.deliver(tenant_id, delivery_id) == services.SENT
    assert len(mail.outbox) == 1


def test_a_single_channel_is_queued_directly(broker, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        services.set_preferences(SYSTEM, tenant, citizen, email=True, sms=False)
    message = notify(tenant, citizen, django_capture_on_commit_callbacks)
    with tenant_context(tenant):
        (email,) = Delivery.objects.filter(message=message, status="queued")
    assert broker() == [("smartgov.notices.tasks.deliver", [str(tenant.pk), str(email.pk)])]
