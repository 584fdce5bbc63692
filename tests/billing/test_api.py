"""The billing API: issue, look up, pay with an Idempotency-Key, notify, refund, verify."""

import json

import pytest

from smartgov.accounts import permissions as perms
from smartgov.billing.models import Bill, Payment
from smartgov.tenancy.context import tenant_context
from tests.billing.fakes import FakeProvider
from tests.billing.helpers import billing_world, issue
from tests.builders import bearer, make_api_key

pytestmark = pytest.mark.django_db


def post(client, url, body, key=None, idem=None):
    headers = bearer(key) if key else {}
    if idem:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def world():
    tenant, water, citizen = billing_world()
    _client, key = make_api_key(
        tenant, [perms.BILLS_ISSUE, perms.BILLS_READ, perms.PAYMENTS_REFUND, perms.FINANCE_RECONCILE]
    )
    return tenant, water, citizen, key


def base(tenant):
    return f"/api/v1/t/{tenant.slug}/billing"


def test_issue_pay_notify_refund_through_the_api(client, world):
    tenant, _water, citizen, key = world
    body = {
        "biller": "water",
        "payer_id": str(citizen.pk),
        "lines": [{"item": "水费", "quantity": "10", "unit_price_fen": 345}],
        "due_date": "2099-01-31",
    }
    r = post(client, f"{base(tenant)}/bills", body, key, idem="bill-1")
    assert r.status_code == 201, r.content
    bill = r.json()
    assert bill["total_fen"] == 3450 and bill["state"] == "issued" and len(bill["payment_code"]) == 20
    assert post(client, f"{base(tenant)}/bills", body, key, idem="bill-1").json()["id"] == bill["id"]

    # The public look-up needs no credential and masks the payer.
    r = client.get(f"{base(tenant)}/lookup/{bill['payment_code']}")
    assert r.status_code == 200 and r.json()["payer_name_masked"] == "张*" and "payer_id" not in r.json()

    pay = {"payment_code": bill["payment_code"], "channel": "fakepay", "amount_fen": 3450, "currency": "CNY"}
    assert post(client, f"{base(tenant)}/payments", pay, key).status_code == 400  # no Idempotency-Key
    first = post(client, f"{base(tenant)}/payments", pay, key, idem="pay-1")
    assert first.status_code == 201, first.content
    again = post(client, f"{base(tenant)}/payments", pay, key, idem="pay-1")
    assert again.status_code == 201 and again.json() == first.json()  # a replay, not a second payment
    reused = post(client, f"{base(tenant)}/payments", pay | {"amount_fen": 100}, key, idem="pay-1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    payment = first.json()
    assert payment["checkout_url"].startswith("https://fakepay.test/")
    with tenant_context(tenant):
        assert Payment.objects.filter(tenant=tenant).count() == 1

    notify_url = f"{base(tenant)}/notify/fakepay"
    note = FakeProvider.notification_body(payment["out_trade_no"], 3450)
    for _ in range(2):
        r = client.post(notify_url, data=note, content_type="application/json")
        assert (r.status_code, r.content) == (200, b"success")
    forged = FakeProvider.notification_body(payment["out_trade_no"], 3450, forge=True)
    r = client.post(notify_url, data=forged, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (400, "notification_forged")
    assert client.post(f"{base(tenant)}/notify/nosuch", data=note, content_type="application/json").status_code == 404

    r = client.get(f"{base(tenant)}/bills/{bill['id']}", **bearer(key))
    assert r.json()["state"] == "paid" and r.json()["outstanding_fen"] == 0

    refund = {"amount_fen": 450, "reason": "overcharged", "expected_available_fen": 3450}
    r = post(client, f"{base(tenant)}/payments/{payment['id']}/refunds", refund, key, idem="ref-1")
    assert r.status_code == 201 and r.json()["state"] == "succeeded"
    r = post(client, f"{base(tenant)}/payments/{payment['id']}/refunds", refund, key, idem="ref-2")
    assert r.status_code == 409 and r.json()["code"] == "refund_amount_available_mismatch"
    r = post(
        client,
        f"{base(tenant)}/payments/{payment['id']}/refunds",
        refund | {"amount_fen": 3001, "expected_available_fen": None},
        key,
        idem="ref-3",
    )
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "amount_fen"
    r = client.get(f"{base(tenant)}/payments/{payment['id']}", **bearer(key))
    assert r.json()["refund_amount_available"] == 3000

    r = client.get(f"{base(tenant)}/ledger/verify", **bearer(key))
    assert r.json() == {"balanced": True, "problems": []}
    accounts = {a["code"]: a for a in client.get(f"{base(tenant)}/ledger/accounts", **bearer(key)).json()}
    assert accounts["receivable:water"]["balance"] == 450  # the refund made the bill owed again


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"amount_fen": 0}, 422, "amount_fen"),
        ({"amount_fen": -5}, 422, "amount_fen"),
        ({"amount_fen": 12.5}, 422, "amount_fen"),
        ({"amount_fen": "100"}, 422, "amount_fen"),
        ({"amount_fen": 10**6}, 422, "amount_fen"),
        ({"currency": "USD"}, 422, "currency"),
        ({"channel": "bitcoin"}, 422, "channel"),
        ({"payment_code": "12345"}, 422, "payment_code"),
    ],
)
def test_bad_payments_are_4xx_naming_the_field(client, world, change, status, field):
    tenant, water, citizen, key = world
    bill = issue(tenant, water, citizen)
    body = {"payment_code": bill.payment_code, "channel": "fakepay", "amount_fen": 100, "currency": "CNY"} | change
    r = post(client, f"{base(tenant)}/payments", body, key, idem=f"bad-{field}-{change}")
    assert r.status_code == status, r.content
    assert r.json()["details"][0]["field"] == field
    with tenant_context(tenant):
        assert not Payment.objects.filter(tenant=tenant).exists()
        assert Bill.objects.get(pk=bill.pk).in_flight_fen == 0


def test_payers_see_their_own_bills_only(client, world):
    tenant, water, citizen, _key = world
    mine = issue(tenant, water, citizen)
    client.force_login(citizen.user)
    r = client.get(f"{base(tenant)}/my/bills")
    assert r.status_code == 200 and [b["id"] for b in r.json()] == [str(mine.pk)]
    assert client.get(f"{base(tenant)}/bills/{mine.pk}").status_code == 200
    assert client.get(f"{base(tenant)}/bills").status_code == 403  # the biller's list is staff-only
    from tests.builders import make_citizen

    other = issue(tenant, water, make_citizen(tenant))
    assert client.get(f"{base(tenant)}/bills/{other.pk}").status_code == 404


def test_unknown_and_invalid_codes_on_the_public_lookup(client, world):
    tenant, *_ = world
    assert client.get(f"{base(tenant)}/lookup/12345").json()["code"] == "invalid_payment_code"
    from smartgov.billing import paycode

    body = "4" * 19
    r = client.get(f"{base(tenant)}/lookup/{body + paycode.luhn_digit(body)}")
    assert r.status_code == 404 and r.json()["code"] == "unknown_payment_code"


def test_bulk_upload_through_the_api(client, world):
    tenant, _water, citizen, key = world
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"payer_id,account_no,previous_reading,current_reading,due_date\n{citizen.pk},A1,1,11,2099-01-31\n"
    url = f"{base(tenant)}/bill-batches"
    r = client.post(url, {"biller": "water", "file": SimpleUploadedFile("r.csv", csv.encode())}, **bearer(key))
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["issued"] == 0, r.content
    upload = SimpleUploadedFile("r.csv", csv.encode())
    r = client.post(url, {"biller": "water", "dry_run": "false", "file": upload}, **bearer(key))
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
    for _ in range(2):  # the retry replays the first report instead of issuing again
        upload = SimpleUploadedFile("r.csv", csv.encode())
        r = client.post(
            url, {"biller": "water", "dry_run": "false", "file": upload}, HTTP_IDEMPOTENCY_KEY="up-1", **bearer(key)
        )
        assert r.json()["issued"] == 1 and r.json()["problems"] == []
    with tenant_context(tenant):
        assert Bill.objects.filter(tenant=tenant).count() == 1
    r = client.post(url, {"biller": "nope", "file": SimpleUploadedFile("r.csv", csv.encode())}, **bearer(key))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "biller"
