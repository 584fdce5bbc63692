"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the notices operations:
their bodies, and an inbox message of each tenant."""

from smartgov.notices import services
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen

BODIES = {
    "PreferencesIn": {"email": True, "sms": False},
    "TemplateIn": {"event": "bill_issued", "language": "en", "subject": "s", "body": "b", "sms": "t"},
    "TemplateKeyIn": {"event": "bill_issued", "language": "en"},
}


def objects(tenant):
    citizen = make_citizen(tenant)
    with tenant_context(tenant):
        message = services.notify_now(tenant, citizen, "application_submitted", {"reference": "WALK-1"})
    return {"message_id": message.pk}
