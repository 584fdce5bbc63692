"""The outbox migration: e-mails and texts still queued when it runs are due at once, and so is a
row written later without the column (by a web process of the release before, during the upgrade),
so the dispatcher sends what the release before had handed to Celery (or lost)."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from smartgov.kit import clock
from smartgov.notices import delivery as sending
from smartgov.notices import services
from smartgov.notices.models import Delivery
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_tenant

pytestmark = pytest.mark.django_db
outbox = importlib.import_module("smartgov.notices.migrations.0002_delivery_next_attempt_at")


def test_deliveries_queued_before_the_outbox_are_due_after_it():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        message = services.notify(tenant, citizen, "application_submitted", {"reference": "LS-2026-000042"})
        Delivery.objects.filter(message=message).update(next_attempt_at=None)  # as the release before wrote them
        Delivery.objects.filter(message=message, channel="sms").update(status="sent")
        outbox.queued_deliveries_are_due(apps, SimpleNamespace(connection=connection))
        rows = {d.channel: (d.status, d.next_attempt_at) for d in Delivery.objects.filter(message=message)}
    email = rows.pop("email")
    assert email[0] == "queued" and email[1] is not None
    assert rows == {"in_app": ("sent", None), "sms": ("sent", None)}


def test_a_delivery_written_without_the_column_is_due_at_once():
    tenant = make_tenant()
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        message = services.notify(tenant, citizen, "application_submitted", {"reference": "LS-2026-000042"})
        Delivery.objects.filter(message=message).delete()
        now = clock.now()
        old = Delivery.objects.create(  # as the release before inserts it: no next_attempt_at
            tenant=tenant, message=message, channel="email", address_masked="zh***@x.test",
            created_at=now, updated_at=now)
        old.refresh_from_db()
        assert old.next_attempt_at is not None
        with clock.frozen_at(now + timedelta(minutes=1)):
            assert sending.claim_due_deliveries(tenant) == [(str(old.pk), 0)]
