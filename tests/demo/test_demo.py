"""`smartgov demo` builds the demo world once and reuses it on the next run."""

import io
import re

import pytest
from django.core.management import call_command

from smartgov.accounts.models import User
from smartgov.tenancy.models import Tenant
from tests.builders import bearer

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_then_reuses_and_prints_working_logins(client):
    first = io.StringIO()
    call_command("demo", "--no-serve", stdout=first)
    assert "Loaded the demo world" in first.getvalue()
    assert set(Tenant.objects.values_list("slug", flat=True)) >= {"zhejiang", "lishui", "dalian", "cma"}
    assert Tenant.objects.get(slug="dalian").crypto_profile == "gm"
    people = User.objects.count()
    second = io.StringIO()
    call_command("demo", "--no-serve", stdout=second)
    assert "Reusing the demo world" in second.getvalue()
    assert User.objects.count() == people
    slug, key = re.search(r"^\s+(\w+)\s+(sgk_\S+)$", second.getvalue(), re.M).groups()
    assert client.get(f"/api/v1/t/{slug}/departments", **bearer(key)).status_code == 200
    staff = User.objects.filter(requires_mfa=True)
    assert staff.exists()
    assert all(person.authenticator_set.filter(type="totp").exists() for person in staff)
