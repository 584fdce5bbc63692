"""The bureau: the late-charge rule on tax bills, and ``smartgov tax assess`` over every employer."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartgov.billing.models import LateChargeRule
from smartgov.tenancy.context import tenant_context
from tests.builders import make_tenant
from tests.tax.filing.helpers import employee, file, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db


def test_tax_bills_carry_the_statutory_late_charge():
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
    with tenant_context(tenant):
        rule = LateChargeRule.objects.get(tenant=tenant, biller__code="tax-bureau")
    assert rule.rate_ppm == 500 and rule.grace_days == 0


def test_the_assess_command_reports_unfiled_agents():
    tenant = make_tenant()
    filer, idle = make_agent(tenant, name="甲"), make_agent(tenant, name="乙")
    _w, id_number = make_worker(tenant)
    file(tenant, filer, "2025-01", payroll_csv([employee(id_number)]))
    file(tenant, idle, "2024-12", payroll_csv([employee(id_number)]))
    out = io.StringIO()
    call_command("tax", "assess", "--period", "2025-01", "--tenant", tenant.slug, stdout=out)
    text = out.getvalue()
    assert "2 agents registered, 1 filed, 1 not filed" in text
    assert idle.uscc in text and "last filed 2024-12" in text and filer.uscc not in text
    with pytest.raises(CommandError):
        call_command("tax", "assess", "--period", "2025-13", "--tenant", tenant.slug, stdout=out)


def test_the_monthly_task_assesses_every_tenant():
    from smartgov.tax import tasks

    tenant = make_tenant()
    make_agent(tenant)
    summary = tasks.assess_tenant(tenant.slug, "2025-01")
    assert (summary["registered"], summary["filed"], summary["unfiled_count"]) == (1, 0, 1)
