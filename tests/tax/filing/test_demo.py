"""The tax demo loads agents, returns and a VAT return once, however often it runs."""

import random

import pytest

from smartgov.accounts.models import Membership
from smartgov.tax import demo, selectors
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_member, make_tenant
from tests.tax.filing.helpers import make_agent

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent(monkeypatch):
    monkeypatch.setattr(demo, "MONTHS", 2)  # the shape, not the volume
    tenant = make_tenant()
    for name in ("甲", "乙"):
        agent = make_agent(tenant, name=name)
        with tenant_context(tenant):
            agent.delete()  # leave the businesses, unregistered
    for _ in range(3):
        make_citizen(tenant)
    officer = make_member(tenant, Membership.Kind.STAFF, email=f"tax@{tenant.slug}.demo")
    with tenant_context(tenant):
        demo.load(tenant, random.Random(1))
        counts = (
            selectors.taxpayers(tenant).count(),
            selectors.withholding_returns(tenant).count(),
            selectors.vat_returns(tenant).count(),
        )
        demo.load(tenant, random.Random(1))
        again = (
            selectors.taxpayers(tenant).count(),
            selectors.withholding_returns(tenant).count(),
            selectors.vat_returns(tenant).count(),
        )
        assert officer.roles.filter(code="tax_officer").exists()
    assert counts == again == (2, 2 * demo.MONTHS, 1)
