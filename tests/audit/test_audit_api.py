"""A tenant's audit trail through the API: who did what to which object, when, from where;
filtered by person, object, action and time; exported as CSV."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from smartgov.accounts import permissions as perms
from smartgov.kit import clock
from tests.builders import bearer, make_api_key, make_tenant

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def trail(client):
    tenant = make_tenant("trail")
    writer, write_key = make_api_key(tenant, [perms.TENANT_MANAGE])
    _reader, read_key = make_api_key(tenant, [perms.AUDIT_READ])
    for hour, code in enumerate(["water", "roads", "parks"]):
        with clock.frozen_at(T0 + timedelta(hours=hour)):
            response = client.post(
                "/api/v1/t/trail/departments",
                data=json.dumps({"code": code, "name_zh": code, "name_en": code}),
                content_type="application/json",
                HTTP_X_REQUEST_ID=f"req-{code}-0001",
                REMOTE_ADDR="203.0.113.7",
                **bearer(write_key),
            )
            assert response.status_code == 201
    return tenant, writer, bearer(read_key)


def get(client, headers, **query):
    return client.get("/api/v1/t/trail/audit/events", query, **headers)


def test_each_event_says_who_what_which_when_and_from_where(client, trail):
    _tenant, writer, headers = trail
    events = get(client, headers, action="department.create").json()["items"]
    assert [e["object_type"] for e in events] == ["tenancy.department"] * 3
    newest = events[0]
    assert newest["actor_type"] == "api_client" and newest["actor_id"] == str(writer.pk)
    assert newest["request_id"] == "req-parks-0001" and newest["ip"] == "203.0.113.7"
    assert newest["created_at"].startswith("2026-03-01T10:00")
    assert newest["changes"]["code"] == "parks"


def test_filters_by_person_object_action_and_time(client, trail):
    _tenant, writer, headers = trail
    assert {e["actor_id"] for e in get(client, headers, actor=str(writer.pk)).json()["items"]} == {str(writer.pk)}
    assert get(client, headers, actor="0190e0e0-0000-7000-8000-000000000000").json()["count"] == 0
    window = get(client, headers, since=(T0 + timedelta(minutes=30)).isoformat(),
                 until=(T0 + timedelta(hours=1, minutes=30)).isoformat()).json()["items"]
    assert [e["changes"]["code"] for e in window] == ["roads"]
    one = window[0]["object_id"]
    by_object = get(client, headers, object_type="tenancy.department", object_id=one).json()["items"]
    assert [e["object_id"] for e in by_object] == [one]
    assert get(client, headers, action="department").json()["count"] == 3
    page = get(client, headers, action="department", limit=2, offset=2).json()
    assert page["count"] == 3 and len(page["items"]) == 1


def test_csv_export_has_the_same_filters(client, trail):
    _tenant, _writer, headers = trail
    response = client.get("/api/v1/t/trail/audit/export.csv", {"action": "department"}, **headers)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3 and {r["action"] for r in rows} == {"department.create"}


def test_reading_the_trail_needs_its_permission(client, trail):
    tenant, _writer, _headers = trail
    _c, key = make_api_key(tenant, [perms.TENANT_MANAGE])
    assert client.get("/api/v1/t/trail/audit/events", **bearer(key)).status_code == 403
    assert client.get("/api/v1/t/trail/audit/export.csv", **bearer(key)).status_code == 403
