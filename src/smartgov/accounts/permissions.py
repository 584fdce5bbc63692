"""The permission catalogue and the built-in roles. Permissions are strings so that API keys,
roles and checks all speak the same small language; apps add theirs here as they arrive."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Platform (operator) permissions: never granted inside a tenant.
PLATFORM_TENANTS = "platform.tenants"

TENANT_MANAGE = "tenant.manage"  # departments, staff, roles, API clients
PEOPLE_READ = "people.read"
PERSONAL_DATA_REVEAL = "personal_data.reveal"
AUDIT_READ = "audit.read"
DEPARTMENTS_READ = "departments.read"

CATALOGUE: dict[str, object] = {
    TENANT_MANAGE: _("Manage departments, staff, roles and API clients"),
    PEOPLE_READ: _("List the tenant's people (personal data masked)"),
    PERSONAL_DATA_REVEAL: _("Reveal masked personal data (each reveal is audited)"),
    AUDIT_READ: _("Read and export the audit trail"),
    DEPARTMENTS_READ: _("List departments"),
}

BUILTIN_ROLES: dict[str, tuple[str, str, list[str]]] = {
    # code: (Chinese name, English name, permissions)
    "tenant_admin": ("租户管理员", "Tenant administrator", list(CATALOGUE)),
    "supervisor": ("科室主管", "Supervisor", [PEOPLE_READ, PERSONAL_DATA_REVEAL, DEPARTMENTS_READ]),
    "caseworker": ("经办人员", "Caseworker", [PEOPLE_READ, DEPARTMENTS_READ]),
    "auditor": ("审计员", "Auditor", [AUDIT_READ, DEPARTMENTS_READ]),
}


def unknown(perms: list[str]) -> list[str]:
    return [p for p in perms if p not in CATALOGUE]
