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
# Public services (catalogue, cases, documents, notices)
CATALOGUE_MANAGE = "catalogue.manage"  # services, forms, workflows, the working-day calendar
APPLICATIONS_SUBMIT_ON_BEHALF = "applications.submit_on_behalf"  # agencies' systems for a citizen
CASES_WORK = "cases.work"  # claim and act on tasks of one's department
CASES_SUPERVISE = "cases.supervise"  # assign, see breaches, statistics
CERTIFICATES_REVOKE = "certificates.revoke"
DOCUMENTS_READ = "documents.read"
NOTICES_MANAGE = "notices.manage"  # notice templates
# Billing and the ledger
BILLS_ISSUE = "bills.issue"
BILLS_READ = "bills.read"
PAYMENTS_REFUND = "payments.refund"
FINANCE_RECONCILE = "finance.reconcile"  # settlement statements, differences, closing days
# Tax
TAX_FILE = "tax.file"  # withholding agents and businesses filing returns (through the API)
TAX_ADMINISTER = "tax.administer"  # the tax bureau: compliance, arrears, assessments

CATALOGUE: dict[str, object] = {
    TENANT_MANAGE: _("Manage departments, staff, roles and API clients"),
    PEOPLE_READ: _("List the tenant's people (personal data masked)"),
    PERSONAL_DATA_REVEAL: _("Reveal masked personal data (each reveal is audited)"),
    AUDIT_READ: _("Read and export the audit trail"),
    DEPARTMENTS_READ: _("List departments"),
    CATALOGUE_MANAGE: _("Manage services, forms, workflows and the working-day calendar"),
    APPLICATIONS_SUBMIT_ON_BEHALF: _("Submit applications on a citizen's or business's behalf"),
    CASES_WORK: _("Work on cases of one's department"),
    CASES_SUPERVISE: _("Assign cases, see breaches and statistics"),
    CERTIFICATES_REVOKE: _("Revoke issued certificates"),
    DOCUMENTS_READ: _("Read applicants' documents"),
    NOTICES_MANAGE: _("Manage notice templates"),
    BILLS_ISSUE: _("Issue, cancel and credit bills"),
    BILLS_READ: _("Read bills and payments"),
    PAYMENTS_REFUND: _("Refund payments"),
    FINANCE_RECONCILE: _("Import settlement statements and reconcile"),
    TAX_FILE: _("File tax returns"),
    TAX_ADMINISTER: _("Administer taxes: compliance, arrears, assessments"),
}

BUILTIN_ROLES: dict[str, tuple[str, str, list[str]]] = {
    # code: (Chinese name, English name, permissions)
    "tenant_admin": ("租户管理员", "Tenant administrator", list(CATALOGUE)),
    "supervisor": (
        "科室主管",
        "Supervisor",
        [PEOPLE_READ, PERSONAL_DATA_REVEAL, DEPARTMENTS_READ, CASES_WORK, CASES_SUPERVISE, DOCUMENTS_READ,
         CERTIFICATES_REVOKE],
    ),
    "caseworker": ("经办人员", "Caseworker", [PEOPLE_READ, DEPARTMENTS_READ, CASES_WORK, DOCUMENTS_READ]),
    "cashier": ("收费员", "Billing clerk", [BILLS_ISSUE, BILLS_READ, PAYMENTS_REFUND, DEPARTMENTS_READ]),
    "finance": ("财务人员", "Finance officer", [BILLS_READ, FINANCE_RECONCILE, DEPARTMENTS_READ]),
    "tax_officer": ("税务专管员", "Tax officer", [TAX_ADMINISTER, BILLS_READ, PEOPLE_READ, DEPARTMENTS_READ]),
    "auditor": ("审计员", "Auditor", [AUDIT_READ, DEPARTMENTS_READ]),
}


def unknown(perms: list[str]) -> list[str]:
    return [p for p in perms if p not in CATALOGUE]
