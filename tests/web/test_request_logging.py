import json
import logging

import pytest

pytestmark = pytest.mark.django_db


def test_log_lines_of_a_request_carry_its_request_id(client, caplog):
    from smartgov.web.logging import JsonFormatter, RequestIdFilter

    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/api/v1/t/nowhere/departments", HTTP_X_REQUEST_ID="trace-12345678")
    assert response["X-Request-ID"] == "trace-12345678"
    record = next(r for r in caplog.records if r.name == "django.request")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-12345678" and line["level"] == "WARNING"
