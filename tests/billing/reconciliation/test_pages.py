"""Finance pages: import (and a malformed file's rejected lines), resolve, close, export, reports."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.billing.reconciliation.models import Statement
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, paid_bill
from tests.billing.reconciliation.fakes import statement
from tests.billing.reconciliation.test_reconciliation import line
from tests.builders import enable_totp, make_member

pytestmark = pytest.mark.django_db


def test_finance_imports_resolves_closes_and_exports(client):
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    _b, missing = paid_bill(tenant, water, citizen)
    officer = make_member(tenant, roles=("finance",))
    enable_totp(officer.user)
    client.force_login(officer.user)
    base = f"/{tenant.slug}/reconciliation/"
    assert client.get(base).status_code == 200
    upload = SimpleUploadedFile("2026-11-24.csv", statement(line(p)), content_type="text/csv")
    made = client.post(base, {"imp-channel": "fakepay", "imp-file": upload})
    assert made.status_code == 302
    with tenant_context(tenant):
        st = Statement.objects.get(tenant=tenant)
    page = client.get(made["Location"])
    assert missing.out_trade_no in page.content.decode()
    client.post(made["Location"], {"action": "close"})
    with tenant_context(tenant):
        assert Statement.objects.get(pk=st.pk).state == "open"  # a difference is open
        diff = st.differences.get()
    client.post(made["Location"], {"action": "resolve", "difference": str(diff.pk), "reason": "next day's file"})
    client.post(made["Location"], {"action": "close"})
    with tenant_context(tenant):
        assert Statement.objects.get(pk=st.pk).state == "closed"
    csv = client.get(f"{base}{st.pk}/csv")
    assert csv.status_code == 200 and "next day's file" in csv.content.decode("utf-8-sig")
    reports = client.get(f"{base}reports?date_from=2026-11-01&date_to=2026-11-30&as_of=2026-11-24")
    assert reports.status_code == 200 and "¥86.26" in reports.content.decode()
    exported = client.get(f"{base}reports?date_from=2026-11-01&date_to=2026-11-30&format=collections.csv")
    assert exported["Content-Type"].startswith("text/csv") and "86.26" in exported.content.decode("utf-8-sig")


def test_a_malformed_upload_shows_its_rejected_lines(client):
    tenant, _water, _citizen = billing_world()
    officer = make_member(tenant, roles=("finance",))
    enable_totp(officer.user)
    client.force_login(officer.user)
    bad = statement(("payment", "x", "", "T", "oops", 0, "CNY", "2026-11-24"))
    page = client.post(f"/{tenant.slug}/reconciliation/", {"imp-channel": "fakepay",
                                                          "imp-file": SimpleUploadedFile("b.csv", bad)})
    assert page.status_code == 422
    assert 'id="rejected"' in page.content.decode()
    with tenant_context(tenant):
        assert not Statement.objects.filter(tenant=tenant).exists()


def test_the_pages_need_the_finance_permission(client):
    tenant, _water, citizen = billing_world()
    client.force_login(citizen.user)
    assert client.get(f"/{tenant.slug}/reconciliation/").status_code == 403
