"""Operations endpoints and the production server's refusal to run unsafely."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from smartgov.accounts import permissions as perms
from smartgov.web import serving
from tests.builders import bearer, make_api_key, make_tenant

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_with_a_reachable_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_readyz_is_unavailable_while_a_migration_is_pending(client):
    from django.db.migrations.recorder import MigrationRecorder

    # Forget (inside this test's transaction) that the newest audit migration ran.
    latest = MigrationRecorder.Migration.objects.filter(app="audit").order_by("-id").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE id = %s", [latest.id])
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["pending_migrations"] >= 1


def test_readyz_is_unavailable_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import OperationalError

    from smartgov.web import views

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # The database goes away between the request's start and the readiness check.
    monkeypatch.setattr(views, "MigrationExecutor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"


def test_metrics_count_requests_by_route_and_status_with_latency_and_queries(client):
    tenant = make_tenant("metered")
    _c, key = make_api_key(tenant, [perms.DEPARTMENTS_READ])

    def sample(text, name, **labels):
        for line in text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = client.get("/metrics").content.decode()
    for _ in range(3):
        client.get("/api/v1/t/metered/departments", **bearer(key))
    client.get("/api/v1/t/metered/departments")  # no key: 401
    text = client.get("/metrics").content.decode()
    routes = set(re.findall(r'route="([^"]+)"', text))
    # The route pattern, not the path: one series per operation whatever the tenant or id.
    route = "api/v1/t/<tenant>/departments"
    assert route in routes and not any("metered" in r for r in routes), routes
    ok = sample(text, "smartgov_http_requests_total", route=route, status="200")
    assert ok - sample(before, "smartgov_http_requests_total", route=route, status="200") == 3
    assert sample(text, "smartgov_http_requests_total", route=route, status="401") >= 1
    assert sample(text, "smartgov_http_request_duration_seconds_count", route=route) >= 4
    assert sample(text, "smartgov_http_request_duration_seconds_bucket", route=route, le="+Inf") >= 4
    assert sample(text, "smartgov_db_queries_total", route=route) > 0


def test_metrics_can_require_a_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_serve_refuses_debug_with_the_default_secret(settings, monkeypatch):
    started = []
    monkeypatch.setattr(serving, "exec_gunicorn", lambda *a: started.append(a))
    settings.DEBUG, settings.USING_DEFAULT_SECRET = True, True
    with pytest.raises(CommandError, match="SMARTGOV_DEBUG"):
        call_command("serve")
    settings.DEBUG, settings.USING_DEFAULT_SECRET = False, True
    with pytest.raises(CommandError, match="SMARTGOV_SECRET_KEY"):
        call_command("serve")
    settings.DEBUG, settings.USING_DEFAULT_SECRET = True, False
    with pytest.raises(CommandError, match="SMARTGOV_DEBUG"):
        call_command("serve")
    assert started == []
    settings.DEBUG, settings.USING_DEFAULT_SECRET = False, False
    call_command("serve", "--port", "8123", "--workers", "3")
    assert started == [("127.0.0.1", 8123, 3)]


def test_the_serve_command_refuses_in_a_real_process(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SMARTGOV_DEBUG": "true", "SMARTGOV_DATA_DIR": str(tmp_path),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    env.pop("SMARTGOV_SECRET_KEY", None)
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "smartgov.cli", "serve"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "SMARTGOV_DEBUG" in done.stderr
