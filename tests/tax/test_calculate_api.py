"""The stateless calculation endpoints, through the Django test client with an API key."""

import json

import pytest

from smartgov.accounts import permissions as perms
from tests.builders import bearer, make_api_key, make_tenant

pytestmark = pytest.mark.django_db
Y = 100


@pytest.fixture
def city():
    tenant = make_tenant("taxcity")
    _client, key = make_api_key(tenant, [perms.TAX_FILE])
    return tenant, key


def post(client, key, path, body, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(
        f"/api/v1/t/taxcity/tax/calculate/{path}" + (f"?{qs}" if qs else ""),
        data=json.dumps(body),
        content_type="application/json",
        **bearer(key),
    )


def test_the_worked_case_through_the_api(client, city):
    _tenant, key = city
    months = [
        {
            "month": m,
            "income": 30_000 * Y,
            "special_deductions": 4_500 * Y,
            "special_additional": {"children_education": 2_000 * Y, "children": 1},
        }
        for m in range(1, 13)
    ]
    response = post(client, key, "wages-year", {"year": 2024, "months": months}, lang="en")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [m["withholding"] // Y for m in data["months"]] == [555, 625] + [1850] * 5 + [2250] + [3700] * 4
    assert data["total_withheld"] == 27_480 * Y
    august = data["months"][7]
    assert "cumulative taxable income: ¥148,000.00" in august["explanation"]
    rate = next(f for f in august["trace"]["figures"] if f["key"] == "rate")
    assert rate["value"] == "0.2" and rate["params"][0]["name"] == "iit.annual_table"


def test_wages_month_with_staff_explanation_in_chinese(client, city):
    _tenant, key = city
    body = {
        "period": "2024-03",
        "months_employed": 3,
        "cumulative_income": 90_000 * Y,
        "cumulative_special_deductions": 13_500 * Y,
        "cumulative_special_additional": 6_000 * Y,
        "cumulative_withheld": 1_180 * Y,
    }
    response = post(client, key, "wages-month", body, audience="staff")
    assert response.status_code == 200
    data = response.json()
    assert data["withholding"] == 1_850 * Y
    assert "累计应纳税额" in data["explanation"] and "国家税务总局公告2018年第61号" in data["explanation"]


def test_reconciliation_payment_and_vat(client, city):
    _tenant, key = city
    r = post(
        client,
        key,
        "reconciliation",
        {
            "year": 2024,
            "employers": [{"employer": "A", "wages": 100_000 * Y}],
            "payments": [{"kind": "royalties", "amount": 20_000 * Y}],
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["outcome"] == "due" and r.json()["filing_required"] is False
    p = post(client, key, "payment", {"kind": "labour_remuneration", "payment": 30_000 * Y, "period": "2024-05"})
    assert p.json()["withholding"] == 5_200 * Y
    v = post(client, key, "vat", {"period": "2024Q2", "sales_ordinary": 300_001 * Y, "prices_include_tax": False})
    assert v.status_code == 200 and v.json()["vat"] == 300_001 and v.json()["below_threshold"] is False


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("wages-month", {"period": "2024-13", "months_employed": 1, "cumulative_income": 1}, "period"),
        ("wages-month", {"period": "2024-05", "months_employed": 1, "cumulative_income": -1}, "cumulative_income"),
        ("wages-month", {"period": "2024-05", "months_employed": 1}, "cumulative_income"),
        ("wages-month", {"period": "2024-05", "months_employed": 1, "cumulative_income": "lots"}, "cumulative_income"),
        (
            "wages-year",
            {
                "year": 2022,
                "months": [
                    {"month": 1, "income": 1, "special_additional": {"children_education": 200_000, "children": 1}}
                ],
            },
            "months[0].special_additional.children_education",
        ),
        (
            "reconciliation",
            {"year": 2024, "other_deductions": {"private_pension": 1_200_001}},
            "other_deductions.private_pension",
        ),
        ("reconciliation", {"year": 2017}, "year"),
        ("vat", {"period": "2024Q2", "location": "moon"}, "location"),
        ("payment", {"kind": "labour_remuneration", "payment": 1, "period": "2024/05"}, "period"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, city, path, body, field):
    _tenant, key = city
    response = post(client, key, path, body)
    assert response.status_code == 422, response.content
    assert field in [d["field"] for d in response.json()["details"]]


def test_needs_a_credential_of_the_tenant(client, city):
    response = client.post("/api/v1/t/taxcity/tax/calculate/vat", data="{}", content_type="application/json")
    assert response.status_code == 401
    make_tenant("othercity")
    _c, other_key = make_api_key(make_tenant("thirdcity"), [perms.TAX_FILE])
    response = post(client, other_key, "vat", {"period": "2024Q2"})
    assert response.status_code == 404


def test_reconciliation_takes_what_employers_applied(client, city):
    _tenant, key = city
    employers = [
        {"employer": "A", "wages": 150_000 * Y, "special_additional": 24_000 * Y},
        {
            "employer": "B",
            "wages": 50_000 * Y,
            "special_additional": 24_000 * Y,
            "other_deductions": {"private_pension": 12_000 * Y},
        },
    ]
    applied = post(client, key, "reconciliation", {"year": 2025, "employers": employers})
    assert applied.status_code == 200, applied.content
    # 200,000 − 60,000 − 48,000 applied − 12,000 = 80,000 × 10 % − 2,520
    assert applied.json()["deductions"] == 120_000 * Y and applied.json()["total_tax"] == 5_480 * Y
    declared = post(
        client,
        key,
        "reconciliation",
        {"year": 2025, "employers": employers, "special_additional": {"children_education": 24_000 * Y, "children": 1}},
    )
    # The year's declaration (one child, 24,000) replaces the 48,000 the two employers applied.
    assert declared.json()["deductions"] == 96_000 * Y and declared.json()["taxable"] == 104_000 * Y
    figures = {f["key"]: f for f in declared.json()["trace"]["figures"]}
    assert figures["special_additional_applied"]["value"] == 48_000 * Y
