"""The filing API: a bill per filing under an Idempotency-Key, bad rows as a 422 report, a filed
period as 409, VAT just under and over the threshold, another tenant's returns invisible."""

import pytest

from smartgov.accounts import permissions as perms
from smartgov.billing import selectors as billing_selectors
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.builders import bearer, make_api_key, make_tenant
from tests.tax.filing.helpers import at, b64, employee, make_agent, make_worker, payroll_csv

pytestmark = pytest.mark.django_db


def post(client, url, body, key, idem="k1"):
    return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=idem, **bearer(key))


def test_filing_through_the_api_bills_once_and_replays(client):
    tenant = make_tenant()
    agent = make_agent(tenant)
    _w, id_number = make_worker(tenant)
    _c, key = make_api_key(tenant, [perms.TAX_FILE])
    url = f"/api/v1/t/{tenant.slug}/tax/withholding-returns"
    body = {"uscc": agent.uscc, "period": "2025-01", "content_base64": b64(payroll_csv([employee(id_number)]))}
    first = post(client, url, body, key)
    assert first.status_code == 201, first.json()
    assert first.json()["total_withholding"] == 55500 and first.json()["bill_reference"]
    replay = post(client, url, body, key)
    assert replay.json() == first.json()
    again = post(client, url, body, key, idem="k2")
    assert again.status_code == 409 and again.json()["code"] == "period_already_filed"
    with tenant_context(tenant):
        assert billing_selectors.bills(tenant).count() == 1
    detail = client.get(f"{url}/{first.json()['id']}", **bearer(key)).json()
    assert detail["lines"][0]["id_number_masked"] != id_number and "*" in detail["lines"][0]["id_number_masked"]
    assert id_number not in str(detail)
    explained = detail["lines"][0]["explanation"]["wages"]
    assert explained["consistent"] is True and explained["rule"] == "withhold_wages_month"
    assert {f["key"]: f["value"] for f in explained["figures"]}["withholding"] == 55500


def test_bad_input_is_a_4xx_and_files_nothing(client):
    tenant = make_tenant()
    agent = make_agent(tenant)
    _c, key = make_api_key(tenant, [perms.TAX_FILE])
    url = f"/api/v1/t/{tenant.slug}/tax/withholding-returns"
    rows = payroll_csv([employee("110105194912310022", wages="-5")])
    bad = post(client, url, {"uscc": agent.uscc, "period": "2025-01", "content_base64": b64(rows)}, key)
    assert bad.status_code == 422 and bad.json()["code"] == "payroll_rejected"
    assert {(d["row"], d["column"]) for d in bad.json()["details"]} == {(2, "id_number"), (2, "wages")}
    malformed = post(client, url, {"uscc": agent.uscc, "period": "2025-1", "content_base64": b64(rows)}, key, "k2")
    assert malformed.status_code == 422 and malformed.json()["code"] == "malformed_period"
    unknown = post(
        client, url, {"uscc": "91330110MA27XXXXX0", "period": "2025-01", "content_base64": b64(rows)}, key, "k3"
    )
    assert unknown.status_code == 404
    no_perm_key = make_api_key(tenant, [perms.BILLS_READ])[1]
    forbidden = post(
        client, url, {"uscc": agent.uscc, "period": "2025-01", "content_base64": b64(rows)}, no_perm_key, "k4"
    )
    assert forbidden.status_code == 403
    with tenant_context(tenant):
        assert not billing_selectors.bills(tenant).exists()


@pytest.mark.parametrize(("sales", "special", "vat"), [(30_000_000, 0, 0), (30_000_001, 0, 300_000)])
def test_vat_just_under_and_over_the_threshold(client, sales, special, vat):
    tenant = make_tenant()
    business = make_agent(tenant, vat=True)
    _c, key = make_api_key(tenant, [perms.TAX_FILE])
    with clock.frozen_at(at(2025, 4, 10)):
        response = post(
            client,
            f"/api/v1/t/{tenant.slug}/tax/vat-returns",
            {"uscc": business.uscc, "period": "2025-Q1", "sales": sales, "special_invoice_sales": special},
            key,
        )
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["vat"] == vat
    if vat:
        # surcharges on 3,000 of VAT, halved: 7 % → 105, 3 % → 45, 2 % → 30
        assert (out["urban_construction"], out["education"], out["local_education"]) == (10500, 4500, 3000)
        with tenant_context(tenant):
            assert billing_selectors.bill(tenant, out["bill_id"]).total_fen == out["total"] == 318000
    else:
        assert out["total"] == 0 and out["bill_id"] is None


def test_another_tenants_returns_are_not_found(client):
    a, b = make_tenant(), make_tenant()
    agent_b = make_agent(b)
    _w, id_number = make_worker(b)
    _c, key_b = make_api_key(b, [perms.TAX_FILE])
    _c, key_a = make_api_key(a, [perms.TAX_FILE, perms.TAX_ADMINISTER])
    filed = post(
        client,
        f"/api/v1/t/{b.slug}/tax/withholding-returns",
        {"uscc": agent_b.uscc, "period": "2025-01", "content_base64": b64(payroll_csv([employee(id_number)]))},
        key_b,
    ).json()
    assert client.get(f"/api/v1/t/{a.slug}/tax/withholding-returns/{filed['id']}", **bearer(key_a)).status_code == 404
    assert client.get(f"/api/v1/t/{b.slug}/tax/withholding-returns/{filed['id']}", **bearer(key_a)).status_code == 404
    listed = client.get(f"/api/v1/t/{a.slug}/tax/withholding-returns", **bearer(key_a)).json()
    assert listed == []


def test_the_bureau_sees_who_has_not_filed(client):
    tenant = make_tenant()
    filer, idle = make_agent(tenant, name="甲"), make_agent(tenant, name="乙")
    _w, id_number = make_worker(tenant)
    _c, key = make_api_key(tenant, [perms.TAX_FILE, perms.TAX_ADMINISTER])
    url = f"/api/v1/t/{tenant.slug}/tax"
    for period in ("2025-01", "2025-02"):
        body = {"uscc": filer.uscc, "period": period, "content_base64": b64(payroll_csv([employee(id_number)]))}
        assert post(client, f"{url}/withholding-returns", body, key, period).status_code == 201
    body = {"uscc": idle.uscc, "period": "2025-01", "content_base64": b64(payroll_csv([employee(id_number)]))}
    assert post(client, f"{url}/withholding-returns", body, key, "idle").status_code == 201
    compliance = client.get(f"{url}/compliance?period=2025-02", **bearer(key)).json()
    assert (compliance["registered"], compliance["filed"], compliance["unfiled"]) == (2, 1, 1)
    assert [a["uscc"] for a in compliance["unfiled_agents"]] == [idle.uscc]
    assessed = client.post(
        f"{url}/assessments", {"period": "2025-02"}, content_type="application/json", **bearer(key)
    ).json()
    assert assessed["unfiled"] == [{"uscc": idle.uscc, "name": "乙", "last_period": "2025-01", "estimated": 55500}]
    arrears = client.get(f"{url}/arrears", **bearer(key)).json()
    assert len(arrears) == 3 and all(a["outstanding"] > 0 for a in arrears)
