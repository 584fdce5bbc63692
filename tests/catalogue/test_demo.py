"""The catalogue demo: seven sound, published services per city, loaded idempotently."""

from __future__ import annotations

import random

import pytest

from smartgov.audit.models import AuditEvent
from smartgov.catalogue import demo, selectors, services
from smartgov.catalogue import workflow as wf
from smartgov.tenancy.context import tenant_context
from tests.builders import make_department, make_tenant

pytestmark = pytest.mark.django_db


def test_demo_loads_published_services_once():
    tenant = make_tenant()
    for code in ("tax-bureau", "civil-affairs", "water-utility", "traffic-police", "market-regulation"):
        make_department(tenant, code)
    with tenant_context(tenant):
        demo.load(tenant, random.Random(1))
        events = AuditEvent.objects.filter(tenant=tenant).count()
        demo.load(tenant, random.Random(1))
        assert AuditEvent.objects.filter(tenant=tenant).count() == events  # the second run changes nothing
        published = list(selectors.published_services(tenant))
        assert {s.code for s in published} >= {
            "business-licence", "food-business-licence", "residence-permit", "building-construction-permit",
            "social-insurance-certificate", "elderly-care-filing"}
        for service in published:
            version = selectors.current_version(tenant, service)
            assert wf.validate(version.workflow) == [], service.code
            assert version.form_fields, service.code
        permit = selectors.current_version(tenant, selectors.service_by_code(tenant, "building-construction-permit"))
        assert permit.fee_kind == "computed" and wf.state_of(permit.workflow, "joint_review")["signoff"]
        filing = selectors.current_version(tenant, selectors.service_by_code(tenant, "elderly-care-filing"))
        assert {s["outcome"] for s in filing.workflow["states"] if s["kind"] == "final"} == {"recorded"}
        food = selectors.current_version(tenant, selectors.service_by_code(tenant, "food-business-licence"))
        answers = {"applicant_name": "李四", "applicant_id": "11010519491231002X", "applicant_phone": "13812345678",
                   "business_name": "山海餐饮管理有限公司", "uscc": "91331102MA2A0B1C2D", "categories": ["catering"],
                   "area_m2": 120, "has_central_kitchen": "no",
                   "floor_plan": "0190b3c4-6f6e-7a1b-8c2d-3e4f5a6b7c8d"}
        assert services.validate_submission(food, answers) == []
        assert [e.path for e in services.validate_submission(food, dict(answers, has_central_kitchen="yes"))] == [
            "kitchen_plan"]
        validity = {code: selectors.current_version(tenant, selectors.service_by_code(tenant, code))
                    .certificate_validity_months
                    for code in ("business-licence", "food-business-licence", "residence-permit")}
        assert validity == {"business-licence": None, "food-business-licence": 60, "residence-permit": 12}
