"""Signing in: staff and administrators need a TOTP code, always; failed logins lock out (django-axes)."""

import pytest

from smartgov.accounts.models import Membership
from tests.builders import PASSWORD, enable_totp, make_member, make_tenant, totp_code

pytestmark = pytest.mark.django_db


def verified(membership):
    """A person whose e-mail address has been confirmed (allauth asks for a code otherwise)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=membership.user, email=membership.user.email, defaults={"verified": True, "primary": True}
    )
    return membership


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_staff_sign_in_with_password_and_totp(client):
    tenant = make_tenant("mfa-city")
    staff = verified(make_member(tenant, Membership.Kind.STAFF, roles=("caseworker",)))
    secret = enable_totp(staff.user)
    response = sign_in(client, staff.user.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    # The password alone is not a session.
    assert "_auth_user_id" not in client.session
    assert client.get("/mfa-city/manage/").status_code == 302
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.user.pk)
    assert client.get("/mfa-city/manage/").status_code == 200


@pytest.mark.parametrize("kind", [Membership.Kind.STAFF, Membership.Kind.ADMIN])
def test_staff_without_totp_are_sent_to_set_it_up_before_anything_else(client, kind):
    tenant = make_tenant("mfa-city")
    staff = verified(make_member(tenant, kind, roles=("tenant_admin",)))
    assert sign_in(client, staff.user.email).status_code == 302
    for path in ["/mfa-city/manage/", "/mfa-city/manage/people", "/", "/operator/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/", path


def test_an_operator_without_totp_is_sent_to_set_it_up(client):
    from smartgov.accounts.models import User

    operator = User.objects.create_user("op@example.org", PASSWORD, is_operator=True)
    client.force_login(operator)
    assert client.get("/operator/")["Location"] == "/accounts/2fa/totp/activate/"


def test_citizens_sign_in_with_a_password_only(client):
    tenant = make_tenant("mfa-city")
    citizen = verified(make_member(tenant, Membership.Kind.CITIZEN))
    response = sign_in(client, citizen.user.email)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(citizen.user.pk)
    assert "Signed in as" in client.get("/mfa-city/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_failed_logins_lock_the_account_out_even_for_the_right_password(client, settings):
    tenant = make_tenant("mfa-city")
    citizen = make_member(tenant, Membership.Kind.CITIZEN)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        failed = sign_in(client, citizen.user.email, "wrong-password-123")
        assert failed.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    locked = sign_in(client, citizen.user.email)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another person from the same address is not locked out (lockout is per user and address).
    other = verified(make_member(tenant, Membership.Kind.CITIZEN))
    assert sign_in(client, other.user.email).status_code == 302


def test_a_lockout_is_recorded_for_the_administrator(client, settings):
    from axes.models import AccessAttempt

    tenant = make_tenant("mfa-city")
    citizen = verified(make_member(tenant, Membership.Kind.CITIZEN))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, citizen.user.email, "wrong-password-123")
    attempt = AccessAttempt.objects.get(username=citizen.user.email)
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_production_passwords_are_hashed_with_argon2():
    from django.conf import settings as production

    from smartgov.config import settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert production.AUTH_PASSWORD_VALIDATORS == configured.AUTH_PASSWORD_VALIDATORS


def test_a_staff_session_without_totp_cannot_use_the_api(client):
    tenant = make_tenant("mfa-city")
    staff = make_member(tenant, Membership.Kind.STAFF, roles=("caseworker",))
    client.force_login(staff.user)
    refused = client.get("/api/v1/t/mfa-city/departments")
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_required"
    enable_totp(staff.user)
    assert client.get("/api/v1/t/mfa-city/departments").status_code == 200


def test_becoming_staff_anywhere_makes_mfa_mandatory():
    first, second = make_tenant("mfa-one"), make_tenant("mfa-two")
    citizen = make_member(first, Membership.Kind.CITIZEN)
    assert not citizen.user.requires_mfa
    from smartgov.accounts import services
    from smartgov.tenancy.context import tenant_context
    from tests.builders import SYSTEM

    with tenant_context(second):
        services.add_member(SYSTEM, second, email=citizen.user.email, kind=Membership.Kind.STAFF)
    citizen.user.refresh_from_db()
    assert citizen.user.requires_mfa
