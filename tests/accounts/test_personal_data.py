"""Identity numbers and phones: validated on input, encrypted at rest with the tenant's data key
(AES-GCM, or SM4-GCM under ``gm``), masked in lists, every reveal audited."""

import base64
import json

import pytest
from django.db import connection

from smartgov.accounts import permissions as perms
from smartgov.accounts import services
from smartgov.accounts.models import Profile
from smartgov.audit.models import AuditEvent
from smartgov.kit import crypto
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, bearer, enable_totp, make_api_key, make_citizen, make_member, make_tenant
from tests.dbtools import db_id

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def raw_profile_columns(profile_id):
    """The profile row as the database holds it, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_cipher, id_number_masked, phone_cipher, phone_masked FROM accounts_profile "
            "WHERE id = %s",
            [db_id(profile_id)],
        )
        return cursor.fetchone()


def algorithm_of(token: str) -> int:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return raw[1]  # version byte, then the algorithm byte


@pytest.mark.parametrize("profile,algorithm", [("intl", crypto._AES_GCM), ("gm", crypto._SM4_GCM)])
def test_identity_numbers_are_encrypted_at_rest_with_the_profiles_cipher(profile, algorithm):
    tenant = make_tenant(crypto_profile=profile)
    citizen = make_citizen(tenant, id_number=ID_NUMBER)
    with tenant_context(tenant):
        id_cipher, id_masked, phone_cipher, phone_masked = raw_profile_columns(citizen.profile.pk)
        assert ID_NUMBER not in id_cipher and "13812345678" not in phone_cipher
        assert id_masked == "1101**********002X" and phone_masked == "138****5678"
        assert algorithm_of(id_cipher) == algorithm and algorithm_of(phone_cipher) == algorithm
        assert services.reveal_personal_data(SYSTEM, tenant, citizen.profile, "id_number") == ID_NUMBER


def test_a_ciphertext_is_bound_to_its_tenant_and_its_column():
    a, b = make_tenant(), make_tenant()
    citizen = make_citizen(a, id_number=ID_NUMBER)
    from smartgov.tenancy import keys

    token = citizen.profile.id_number_cipher
    with pytest.raises(Exception):  # noqa: B017 - any authentication failure will do
        keys.decrypt(b, token, "profile.id_number")
    with pytest.raises(Exception):  # noqa: B017
        keys.decrypt(a, token, "profile.phone")


def test_the_same_number_encrypts_differently_each_time_but_is_found_by_its_blind_index():
    tenant = make_tenant()
    one = make_citizen(tenant, id_number=ID_NUMBER)
    two = make_citizen(tenant, id_number=ID_NUMBER)
    assert one.profile.id_number_cipher != two.profile.id_number_cipher
    assert one.profile.id_number_index == two.profile.id_number_index
    with tenant_context(tenant):
        assert Profile.objects.filter(tenant=tenant, id_number_index=one.profile.id_number_index).count() == 2


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("id_number", "110105194912310021", "invalid_id_number"),  # wrong check character
        ("id_number", "11010519490230002X", "invalid_id_number"),  # 30 February
        ("id_number", "1101051949", "invalid_id_number"),
        ("uscc", "91350100M000100Y44", "invalid_uscc"),
        ("uscc", "91350100M000100I43", "invalid_uscc"),
    ],
)
def test_the_service_refuses_invalid_numbers_naming_the_field(field, value, code):
    tenant = make_tenant()
    member = make_member(tenant, "citizen")
    with tenant_context(tenant), pytest.raises(InvalidInput) as refused:
        services.set_profile(SYSTEM, tenant, member, full_name="x", **{field: value})
    assert refused.value.code == code
    assert refused.value.details[0]["field"] == field


def test_lists_show_masked_values_only(client):
    tenant = make_tenant("masked")
    make_citizen(tenant, id_number=ID_NUMBER)
    _c, key = make_api_key(tenant, [perms.PEOPLE_READ])
    response = client.get("/api/v1/t/masked/members?kind=citizen", **bearer(key))
    text = response.content.decode()
    assert ID_NUMBER not in text and "13812345678" not in text
    profile = response.json()[0]["profile"]
    assert profile["id_number"] == "1101**********002X" and profile["phone"] == "138****5678"


def test_the_people_page_shows_masked_values_only(client):
    tenant = make_tenant("masked")
    make_citizen(tenant, id_number=ID_NUMBER)
    admin = make_member(tenant, "admin", roles=("tenant_admin",))
    enable_totp(admin.user)
    client.force_login(admin.user)
    page = client.get("/masked/manage/people?kind=citizen").content.decode()
    assert "1101**********002X" in page and ID_NUMBER not in page


def test_a_valid_profile_through_the_api_is_stored_encrypted_and_answered_masked(client):
    tenant = make_tenant("masked")
    member = make_member(tenant, "business")
    _c, key = make_api_key(tenant, [perms.TENANT_MANAGE])
    body = json.dumps({"full_name": "某某", "id_number": ID_NUMBER.lower(), "phone": PHONE, "company_name": "某公司",
                       "uscc": "91350100m000100y43"})
    response = client.put(f"/api/v1/t/masked/members/{member.pk}/profile", data=body,
                          content_type="application/json", **bearer(key))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["id_number"] == "1101**********002X" and answer["phone"] == "139****5678"
    assert answer["uscc"] == "91350100M000100Y43"
    assert ID_NUMBER not in response.content.decode()


def test_every_reveal_is_audited_and_needs_the_permission(client):
    tenant = make_tenant("reveal")
    citizen = make_citizen(tenant, id_number=ID_NUMBER)
    _c, reader = make_api_key(tenant, [perms.PEOPLE_READ])
    revealer, key = make_api_key(tenant, [perms.PERSONAL_DATA_REVEAL])
    url = f"/api/v1/t/reveal/members/{citizen.pk}/reveal"
    refused = client.post(url, data=json.dumps({"field": "id_number"}), content_type="application/json",
                          **bearer(reader))
    assert refused.status_code == 403
    for field, expected in [("id_number", ID_NUMBER), ("phone", "13812345678"), ("id_number", ID_NUMBER)]:
        answer = client.post(url, data=json.dumps({"field": field}), content_type="application/json", **bearer(key))
        assert answer.json() == {"field": field, "value": expected}
    with tenant_context(tenant):
        reveals = list(AuditEvent.objects.filter(tenant=tenant, action="personal_data.reveal").order_by("seq"))
    assert [e.changes["field"] for e in reveals] == ["id_number", "phone", "id_number"]
    assert {e.actor_id for e in reveals} == {str(revealer.pk)}
    assert all(e.object_id == str(citizen.profile.pk) for e in reveals)
    assert all(ID_NUMBER not in json.dumps(e.changes) for e in reveals)
    bad = client.post(url, data=json.dumps({"field": "password"}), content_type="application/json", **bearer(key))
    assert bad.status_code == 422


def test_the_audit_trail_never_holds_the_clear_number(client):
    tenant = make_tenant("masked")
    make_citizen(tenant, id_number=ID_NUMBER)
    with tenant_context(tenant):
        everything = json.dumps([e.changes for e in AuditEvent.objects.filter(tenant=tenant)])
    assert ID_NUMBER not in everything and "13812345678" not in everything


def test_login_phone_numbers_are_encrypted_on_the_user_row():
    from smartgov.accounts.adapter import AccountAdapter
    from smartgov.accounts.models import User

    user = User.objects.create_user("phone@example.org", "x" * 12)
    AccountAdapter().set_phone(user, "138 1234 5678", verified=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_cipher, phone_masked FROM accounts_user WHERE id = %s", [db_id(user.pk)])
        cipher, masked = cursor.fetchone()
    assert "13812345678" not in cipher and masked == "138****5678"
    assert AccountAdapter().get_phone(user) == ("13812345678", True)
    assert AccountAdapter().get_user_by_phone("13812345678") == user
