import pytest

from tests.builders import make_member, make_tenant

pytestmark = pytest.mark.django_db


def test_pages_speak_chinese_by_default_and_english_on_request(client):
    assert "网上政务服务" in client.get("/").content.decode()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Government services online" in response.content.decode()


def test_a_chosen_language_is_remembered_on_the_account(client):
    tenant = make_tenant()
    member = make_member(tenant, "citizen")
    client.force_login(member.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    member.user.refresh_from_db()
    assert member.user.language == "en"
    # Another browser (no cookie): the account's language applies.
    other = type(client)()
    other.force_login(member.user)
    response = other.get(f"/{tenant.slug}/")
    assert "Signed in as" in response.content.decode()
