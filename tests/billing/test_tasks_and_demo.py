"""The Celery tasks (eager here) and the demo loader (idempotent)."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from smartgov.billing import demo, selectors, tasks
from smartgov.billing.models import Bill, BillLine, LateChargeRule, Payment
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import issue, pay
from tests.builders import make_citizen, make_department, make_tenant

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent():
    tenant = make_tenant()
    for code in ("water-utility", "traffic-police", "tax-bureau"):
        make_department(tenant, code)
    for _ in range(3):
        make_citizen(tenant)
    with tenant_context(tenant):
        demo.load(tenant, random.Random(1))
        first = Bill.objects.filter(tenant=tenant).count()
        demo.load(tenant, random.Random(1))
        assert Bill.objects.filter(tenant=tenant).count() == first == 3 + 1
        assert LateChargeRule.objects.filter(tenant=tenant).count() == 1
        assert selectors.verify(tenant) == []


def test_tasks_poll_mark_overdue_and_accrue():
    tenant = make_tenant()
    tax = make_department(tenant, "tax")
    citizen = make_citizen(tenant)
    with clock.frozen_at(datetime(2026, 1, 5, tzinfo=UTC)):
        bill = issue(tenant, tax, citizen, due=date(2026, 1, 10))
        payment = pay(tenant, bill, 100)
    with tenant_context(tenant):
        from smartgov.billing import services
        from tests.builders import SYSTEM

        services.set_late_charge_rule(SYSTEM, tenant, tax, rate_ppm=500)
    with clock.frozen_at(datetime(2026, 1, 12, 4, tzinfo=UTC)):
        assert tasks.poll_payments() == {"expired": 1}
        assert tasks.daily() == {"overdue": 1, "late_charges": 1}
        assert tasks.daily() == {"overdue": 0, "late_charges": 0}
    with clock.frozen_at(datetime(2026, 1, 12, 4, tzinfo=UTC) + timedelta(days=1)):
        assert tasks.daily()["late_charges"] == 1
    assert tasks.expire_pending_transfers() == 0
    with tenant_context(tenant):
        assert Payment.objects.get(pk=payment.pk).state == Payment.State.EXPIRED
        assert BillLine.objects.filter(bill=bill, kind="late_charge").count() == 2
        assert selectors.verify(tenant) == []
