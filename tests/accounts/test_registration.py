"""Citizens register on a tenant's portal with a password and a verified e-mail or phone: a real
one-time code is sent (mail outbox, SMS outbox) and must be entered; nothing skips it."""

import re

import pytest
from django.core import mail

from smartgov.accounts.models import Membership, User
from smartgov.kit.sms import FileSmsBackend
from smartgov.tenancy.context import tenant_context
from tests.builders import make_tenant

pytestmark = pytest.mark.django_db

PASSWORD = "Rivers-and-Mountains-88"
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


def start_signup(client, **fields):
    assert client.get("/reg-city/signup")["Location"] == "/accounts/signup/"
    return client.post("/accounts/signup/", {"password1": PASSWORD, "password2": PASSWORD, **fields})


def signed_in(client):
    return "_auth_user_id" in client.session


def test_signup_with_e_mail_needs_the_mailed_code(client):
    tenant = make_tenant("reg-city")
    response = start_signup(client, email="Citizen@Example.org")
    assert response["Location"] == "/accounts/confirm-email/"
    assert not signed_in(client)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["citizen@example.org"]
    code = CODE.search(mail.outbox[0].body).group(1)
    # Going around the code page does not sign anyone in.
    assert "Signed in as" not in client.get("/reg-city/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    wrong = client.post("/accounts/confirm-email/", {"code": "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"})
    assert wrong.status_code == 200 and not signed_in(client)
    right = client.post("/accounts/confirm-email/", {"code": code})
    assert right.status_code == 302 and signed_in(client)
    user = User.objects.get(email="citizen@example.org")
    assert user.emailaddress_set.get().verified
    with tenant_context(tenant):
        membership = Membership.objects.get(tenant=tenant, user=user)
    assert membership.kind == Membership.Kind.CITIZEN
    assert "Signed in as citizen@example.org" in client.get("/reg-city/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_signup_with_a_phone_needs_the_texted_code(client):
    make_tenant("reg-city")
    response = start_signup(client, email="phone@example.org", phone="138 1234 5678")
    assert response["Location"] == "/accounts/phone/verify/"
    sent = FileSmsBackend().sent()
    assert [m["to"] for m in sent] == ["13812345678"]
    code = CODE.search(sent[0]["text"]).group(1)
    assert client.post("/accounts/phone/verify/", {"code": "ZZZZ-ZZZZ"}).status_code == 200
    assert not User.objects.get(email="phone@example.org").phone_verified
    assert client.post("/accounts/phone/verify/", {"code": code}).status_code == 302
    user = User.objects.get(email="phone@example.org")
    assert user.phone_verified and user.phone_masked == "138****5678"
    assert "13812345678" not in user.phone_cipher


def test_a_phone_that_is_not_a_mainland_mobile_is_refused(client):
    make_tenant("reg-city")
    response = start_signup(client, email="bad@example.org", phone="12345")
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert not User.objects.filter(email="bad@example.org").exists()


def test_weak_passwords_are_refused(client):
    make_tenant("reg-city")
    response = client.post("/accounts/signup/", {"email": "weak@example.org", "password1": "12345678",
                                                 "password2": "12345678"})
    assert response.status_code == 200 and "password1" in response.context["form"].errors


def test_an_address_registered_already_is_not_registered_twice(client):
    make_tenant("reg-city")
    User.objects.create_user("taken@example.org", PASSWORD)
    start_signup(client, email="taken@example.org")
    assert User.objects.filter(email="taken@example.org").count() == 1
