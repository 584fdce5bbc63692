"""Catalogue builders for tests: a published service with a small form, visibly made."""

from __future__ import annotations

from smartgov.catalogue import services
from smartgov.catalogue.models import Service
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Department, Tenant
from tests.builders import SYSTEM

L = {"zh": "字段", "en": "Field"}
FIELDS = [
    {"name": "company", "type": "text", "label": {"zh": "企业名称", "en": "Company name"}, "required": True,
     "min_length": 2},
    {"name": "legal_rep_id", "type": "identity_number", "label": {"zh": "法定代表人身份证号", "en": "Legal rep. ID"},
     "required": True},
    {"name": "has_branch", "type": "choice", "label": L, "choices": [{"value": "yes"}, {"value": "no"}]},
    {"name": "branch_address", "type": "address", "label": L, "required": True,
     "show_if": {"field": "has_branch", "equals": "yes"}},
]


def make_service(tenant: Tenant, department: Department, code: str = "business-licence", *,
                 publish: bool = True, name_zh: str = "营业执照", name_en: str = "Business licence") -> Service:
    with tenant_context(tenant):
        service = services.create_service(
            SYSTEM, tenant, code=code, name_zh=name_zh, name_en=name_en, department=department,
            description_zh="设立登记", description_en="Company registration", time_limit_days=3,
            required_documents=[{"name_zh": "租赁合同", "name_en": "Lease"}],
        )
        services.save_draft(SYSTEM, tenant, service, form_fields=FIELDS)
        if publish:
            services.publish_service(SYSTEM, tenant, service)
        service.refresh_from_db()
        return service
