"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the catalogue's operations."""

from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context
from tests.catalogue.builders import make_service

BODIES = {
    "ServiceIn": {"code": "walk", "name_zh": "巡查", "name_en": "Walk", "department": "tax"},
    "ServicePatchIn": {"name_en": "Walked"},
    "DraftIn": {"time_limit_days": 5},
    "RetireIn": {"reason": "walk"},
    "SubmissionIn": {"data": {}},
    "WorkflowCheckIn": {"source": "states: []"},
    "CalendarEditIn": {"changes": []},
}


def objects(tenant):
    with tenant_context(tenant):
        department = tenancy_selectors.department_by_code(tenant, "tax")
    service = make_service(tenant, department)
    return {"service_id": service.pk, "version_id": service.current_version_id}
