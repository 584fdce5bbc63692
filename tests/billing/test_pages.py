"""Billing pages: look up by payment code, pay (redirect to the channel), result; payer and staff lists."""

import pytest

from smartgov.billing.models import Payment
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue, notify
from tests.builders import make_member

pytestmark = pytest.mark.django_db


def test_anyone_with_the_code_can_look_up_and_pay(client):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    r = client.get(f"/{tenant.slug}/bills/", {"code": bill.payment_code})
    assert r.status_code == 302 and r["Location"].endswith(f"/bills/code/{bill.payment_code}")
    r = client.get(r["Location"])
    assert r.status_code == 200 and "张*" in r.content.decode() and "测试人员" not in r.content.decode()
    r = client.post(f"/{tenant.slug}/bills/code/{bill.payment_code}", {"channel": "fakepay"})
    assert r.status_code == 302 and r["Location"].startswith("https://fakepay.test/checkout/")
    with tenant_context(tenant):
        payment = Payment.objects.get(bill=bill)
    assert payment.return_url.endswith(f"/{tenant.slug}/bills/payments/{payment.pk}")
    assert (
        "Waiting"
        in client.get(f"/{tenant.slug}/bills/payments/{payment.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    notify(tenant, payment)
    page = client.get(f"/{tenant.slug}/bills/payments/{payment.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "payment succeeded" in page


def test_a_bad_code_is_explained_not_a_500(client):
    tenant, _water, _citizen = billing_world()
    r = client.get(f"/{tenant.slug}/bills/", {"code": "12345"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and b"payment code" in r.content.lower()
    assert client.get(f"/{tenant.slug}/bills/code/12345").status_code == 422


def test_payer_and_staff_lists(client):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    client.force_login(citizen.user)
    assert bill.payment_code[:4] in client.get(f"/{tenant.slug}/bills/mine").content.decode()
    assert client.get(f"/{tenant.slug}/bills/staff").status_code == 403
    clerk = make_member(tenant, roles=("cashier",))
    client.force_login(clerk.user)
    r = client.get(f"/{tenant.slug}/bills/staff")
    assert r.status_code in (200, 302)  # staff without TOTP are sent to set it up first
