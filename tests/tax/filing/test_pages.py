"""The tax pages as people use them (Django test client): the worker's reconciliation, the
business's payroll upload with its rejected-row report, the bureau's page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.kit import clock
from smartgov.tax import selectors
from smartgov.tenancy.context import tenant_context
from tests.builders import enable_totp, make_member, make_tenant
from tests.tax.filing.helpers import at, employee, file, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db


def sign_in(client, membership):
    if membership.is_staff_kind:
        enable_totp(membership.user)
    client.force_login(membership.user)


def test_a_worker_files_the_prefilled_reconciliation_and_sees_the_refund(client):
    tenant = make_tenant()
    agent = make_agent(tenant)
    worker, id_number = make_worker(tenant)
    with clock.frozen_at(at(2026, 4, 1)):
        file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
        sign_in(client, worker)
        overview = client.get(f"/{tenant.slug}/tax/")
        assert overview.status_code == 200 and "2025-01" in overview.content.decode()
        page = client.get(f"/{tenant.slug}/tax/reconciliation/2025").content.decode()
        assert agent.uscc in page and "¥555.00" in page and 'id="confirm"' in page
        zh = client.get(f"/{tenant.slug}/tax/reconciliation/2025", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        assert "应退税 ¥555.00" in zh and "确认申报" in zh
        done = client.post(f"/{tenant.slug}/tax/reconciliation/2025/file", follow=True).content.decode()
    assert 'id="filed"' in done and 'id="confirm"' not in done
    with tenant_context(tenant):
        filed = selectors.filed_reconciliation(tenant, worker, 2025)
    assert filed.result == "refund" and filed.refund_reference in done


def test_a_business_uploads_a_payroll_and_sees_every_bad_row(client):
    tenant = make_tenant()
    agent = make_agent(tenant)
    sign_in(client, agent.membership)
    bad = payroll_csv([employee("110105194912310022"), employee("11010519491231002X", wages="-3")])
    response = client.post(
        f"/{tenant.slug}/tax/business/{agent.pk}",
        {"form": "payroll", "period": "2025-01", "payroll": SimpleUploadedFile("p.csv", bad)},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="problems"' in page
    assert "<td>2</td><td>id_number</td>" in page and "<td>3</td><td>wages</td>" in page
    with tenant_context(tenant):
        assert not agent.withholding_returns.exists()


def test_the_bureau_page_needs_the_bureau_role(client):
    tenant = make_tenant()
    officer = make_member(tenant, roles=("tax_officer",))
    clerk = make_member(tenant)
    sign_in(client, clerk)
    assert client.get(f"/{tenant.slug}/tax/bureau").status_code == 403
    client.logout()
    sign_in(client, officer)
    response = client.get(f"/{tenant.slug}/tax/bureau?period=2025-01")
    assert response.status_code == 200 and "2025-01" in response.content.decode()


def test_a_worker_declares_and_withdraws_a_deduction(client):
    tenant = make_tenant()
    worker, _id_number = make_worker(tenant)
    sign_in(client, worker)
    client.post(
        f"/{tenant.slug}/tax/deductions",
        {
            "year": "2025",
            "kind": "housing_rent",
            "city_tier": "2",
            "months": "12",
            "share_percent": "100",
            "only_child": "1",
        },
    )
    with tenant_context(tenant):
        declared = selectors.declarations(tenant, worker, 2025).get()
    assert declared.annual_amount == 110_000 * 12
    refused = client.post(f"/{tenant.slug}/tax/deductions", {"year": "2025", "kind": "housing_loan"}, follow=True)
    assert "cannot both be deducted" in refused.content.decode() or "不能同时扣除" in refused.content.decode()
    client.post(f"/{tenant.slug}/tax/deductions/{declared.pk}/withdraw")
    with tenant_context(tenant):
        assert not selectors.declarations(tenant, worker, 2025).exists()


def test_filings_that_bill_need_an_idempotency_key(client):
    from smartgov.accounts import permissions as perms
    from tests.builders import bearer, make_api_key
    from tests.tax.filing.helpers import b64

    tenant = make_tenant()
    agent = make_agent(tenant)
    _c, key = make_api_key(tenant, [perms.TAX_FILE])
    response = client.post(
        f"/api/v1/t/{tenant.slug}/tax/withholding-returns",
        {"uscc": agent.uscc, "period": "2025-01", "content_base64": b64(payroll_csv([employee("11010519491231002X")]))},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
