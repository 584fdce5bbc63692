"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the cases operations:
a valid body per request schema, and per tenant an application with an open task and an approved
one with its certificate, so every path parameter names a real object of the other tenant."""

from smartgov.cases import selectors, services
from smartgov.tenancy import services as tenancy
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen, make_member
from tests.cases.builders import make_service, upload

BODIES = {
    "ApplicationIn": {"service_id": "00000000-0000-7000-8000-000000000000", "data": {}, "submit": False},
    "AnswersIn": {"data": {}},
    "AmendIn": {"data": {}},
    "WithdrawIn": {"reason": "walk"},
    "AssignIn": {"member_id": "00000000-0000-7000-8000-000000000000"},
    "CompleteIn": {"action": "accept"},
    "DecisionIn": {"outcome": "approve", "reason": "walk"},
    "RevokeIn": {"reason": "walk"},
}


def objects(tenant):
    with tenant_context(tenant):
        department = tenancy.create_department(SYSTEM, tenant, "cases-walk", "巡查", "Walk")
    service = make_service(tenant, department, code="cases-walk")
    applicant = make_citizen(tenant)
    worker = make_member(tenant, roles=("supervisor",))
    lease = upload(tenant, applicant)
    data = {"shop_name": "巡查小店", "area": 10, "lease": str(lease)}
    with tenant_context(tenant):
        open_app = services.apply(SYSTEM, tenant, applicant, service.pk, data)
        task = selectors.open_tasks(tenant, open_app).get()
        done = services.apply(SYSTEM, tenant, applicant, service.pk, data)
        services.act(SYSTEM, tenant, done, worker, "accept")
        done = services.decide(SYSTEM, tenant, done, worker, "approve", "walk")
    return {"application_id": open_app.pk, "task_id": task.pk, "certificate_id": done.certificate.pk}
