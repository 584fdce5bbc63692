"""The cases demo on top of the catalogue's: applications in every state, certificates for approved
ones, and a second load changes nothing."""

import random

import pytest

from smartgov.cases import demo
from smartgov.cases.models import Application, Certificate
from smartgov.catalogue import demo as catalogue_demo
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_tenant

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_has_every_state_and_is_idempotent():
    tenant = make_tenant("demo-city")
    from smartgov.demo.world import CITY_DEPARTMENTS
    from smartgov.tenancy import services as tenancy
    from tests.builders import SYSTEM

    with tenant_context(tenant):
        for code, zh, en in CITY_DEPARTMENTS:  # the demo world makes these before the apps' demos run
            tenancy.create_department(SYSTEM, tenant, code, zh, en)
    for _ in range(3):
        make_citizen(tenant)
    with tenant_context(tenant):
        catalogue_demo.load(tenant, random.Random(1))
        demo.load(tenant, random.Random(1))
        statuses = set(Application.objects.filter(tenant=tenant).values_list("status", flat=True))
        count = Application.objects.filter(tenant=tenant).count()
        certificates = Certificate.objects.filter(tenant=tenant).count()
        approved = Application.objects.filter(tenant=tenant, status="approved").count()
        demo.load(tenant, random.Random(1))
        assert Application.objects.filter(tenant=tenant).count() == count
    expected = {"draft", "submitted", "in_progress", "awaiting_correction", "approved", "rejected", "withdrawn"}
    assert expected <= statuses, statuses
    assert certificates == approved > 0
