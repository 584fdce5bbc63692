"""The cases app's view of its neighbours: the catalogue (versions, forms, workflows, the working-day
calendar), documents (uploads, the wallet, issued documents), notices and billing.

Everything the cases app needs from another app passes through here, through those apps' public
``services`` and ``selectors`` only, so the case services read as case work and a change of a
neighbour's API touches one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from smartgov.audit.services import Actor
from smartgov.catalogue import selectors as catalogue
from smartgov.catalogue import services as catalogue_services  # the submission gate
from smartgov.kit.errors import Conflict, NotFound
from smartgov.tenancy.models import Tenant

if TYPE_CHECKING:
    from smartgov.accounts import services as accounts
    from smartgov.cases.models import Application, Certificate

PERSONAL_FORMATS = {"cn-resident-id", "cn-phone"}  # the catalogue form builder's identity_number, phone
PERSONAL_NAMES = {"id_number", "identity_number", "phone", "mobile", "legal_rep_id_number"}


@dataclass(frozen=True)
class Version:
    """The facts of one published catalogue version a case is made and worked against."""

    id: UUID
    service_id: UUID
    service_code: str
    name_zh: str
    name_en: str
    department_id: UUID | None
    department_code: str
    delivery: str  # online / one_visit / in_person
    fee_fen: int
    time_limit_days: int
    form_schema: dict[str, Any]
    ui_hints: dict[str, Any]
    workflow: dict[str, Any]
    required_documents: list[dict[str, Any]]
    certificate_title_zh: str
    certificate_title_en: str
    certificate_validity_months: int | None  # None: certificates of this version do not expire
    issues_certificate: bool

    def name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh


def personal_fields(schema: dict[str, Any]) -> set[str]:
    """Form fields holding personal data (encrypted at rest, masked in lists): identity numbers and
    phone numbers, recognised by their JSON Schema ``format`` or an explicit ``x-personal``."""
    found = set()
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        if spec.get("x-personal") or spec.get("format") in PERSONAL_FORMATS or name in PERSONAL_NAMES:
            found.add(name)
    return found


def personal_group_fields(schema: dict[str, Any]) -> dict[str, set[str]]:
    """Repeating groups with personal sub-fields: group name -> those sub-fields."""
    found = {}
    for name, spec in (schema.get("properties") or {}).items():
        items = spec.get("items") if isinstance(spec, dict) and spec.get("type") == "array" else None
        if isinstance(items, dict) and items.get("type") == "object":
            subs = personal_fields(items)
            if subs:
                found[name] = subs
    return found


def document_fields(schema: dict[str, Any]) -> list[str]:
    """Form fields whose answers are document references (file fields of the form builder)."""
    return [
        n for n, spec in (schema.get("properties") or {}).items() if isinstance(spec, dict) and spec.get("x-document")
    ]


_ITEM_PLACE = re.compile(r"^(?P<group>[a-z][a-z0-9_]*)\[(?P<index>\d{1,6})\]\.(?P<sub>[a-z][a-z0-9_]*)$")


def item_place(path: str) -> tuple[str, int, str] | None:
    """``owners[1].id_copy`` -> ("owners", 1, "id_copy"): a field of a group's item; None otherwise."""
    found = _ITEM_PLACE.match(path)
    return (found["group"], int(found["index"]), found["sub"]) if found else None


def group_document_fields(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Repeating groups with file sub-fields: group name -> those sub-fields."""
    found = {}
    for name, spec in (schema.get("properties") or {}).items():
        items = spec.get("items") if isinstance(spec, dict) and spec.get("type") == "array" else None
        subs = document_fields(items) if isinstance(items, dict) and items.get("type") == "object" else []
        if subs:
            found[name] = subs
    return found


# --- catalogue -------------------------------------------------------------------------------
# The workflow engine is the catalogue's; its selectors run it on a version (they read only the
# version's ``workflow`` and ``form_schema``, which ``Version`` carries). Reading the definition's
# own data (a state's sign-off departments) is done here.
SIGN_OFF = "sign_off"  # the engine's built-in action (and transition kind) of parallel sign-off


def state_of(definition: dict[str, Any], state_id: str) -> dict[str, Any]:
    return next(s for s in definition["states"] if s["id"] == state_id)


def missing_signoffs(definition: dict[str, Any], state_id: str, signoffs: frozenset[str]) -> list[str]:
    """Departments whose sign-off the state still waits for (empty when it needs none)."""
    signoff = state_of(definition, state_id).get("signoff") or {}
    return [d for d in signoff.get("departments", []) if d not in signoffs]


def start_state(v: Version) -> str:
    return str(catalogue.workflow_start(v).state)  # type: ignore[arg-type]


def available_actions(
    v: Version, state: str, roles: set[str], signoffs: frozenset[str] = frozenset(), department: str | None = None
) -> list[Any]:
    return list(catalogue.workflow_actions(v, state, roles, signoffs, department))  # type: ignore[arg-type]


def apply(
    v: Version,
    state: str,
    action: str,
    roles: set[str],
    signoffs: frozenset[str] = frozenset(),
    department: str | None = None,
    reason: str = "",
) -> Any:
    """The step after ``action``; refusals are domain errors (422 ``reason``, 409 with the engine's code)."""
    return catalogue.workflow_apply(v, state, action, roles, signoffs, department, reason)  # type: ignore[arg-type]


def breach(v: Version, state: str) -> Any:
    return catalogue.workflow_breach(v, state)  # type: ignore[arg-type]


def _version(tenant: Tenant, found: Any, service: Any = None) -> Version:
    service = service or found.service
    department = service.department
    return Version(
        id=found.id,
        service_id=service.id,
        service_code=service.code,
        name_zh=service.name_zh,
        name_en=service.name_en,
        department_id=department.id if department else None,
        department_code=department.code if department else "",
        delivery=service.delivery_mode,
        fee_fen=int(found.fee_fen or 0) if found.fee_kind == "fixed" else 0,
        time_limit_days=int(found.time_limit_days),
        form_schema=found.form_schema or {},
        ui_hints=found.form_ui or {},
        workflow=found.workflow or {},
        required_documents=[],
        certificate_title_zh=service.name_zh,
        certificate_title_en=service.name_en,
        certificate_validity_months=found.certificate_validity_months,
        issues_certificate=True,
    )


def version(tenant: Tenant, version_id: UUID | str) -> Version:
    """The exact version an application was made against (superseded ones included)."""
    return _version(tenant, catalogue.service_version(tenant, version_id))


def current_version(tenant: Tenant, service_id: UUID | str) -> Version:
    """The version new applications use: the published service's current version."""
    service, found = catalogue.open_service(tenant, service_id)
    return _version(tenant, found, service)


def validate_form(v: Version, data: dict[str, Any]) -> list[dict[str, str]]:
    """Field-level problems of ``data`` against the version's schema, each named ``data.<path>``."""
    errors = catalogue_services.validate_submission(v, data)  # type: ignore[arg-type]  # reads .form_schema only
    return [{"field": f"data.{e.path}" if e.path else "data", "message": e.message} for e in errors]


def has_conditions(v: Version) -> bool:
    return catalogue.has_conditions(v)  # type: ignore[arg-type]  # reads .form_schema only


def with_dependents(v: Version, names: list[str]) -> list[str]:
    """``names`` and, after them, the form's fields shown only if one of them says so: correcting
    "has a branch" may make "branch address" asked, or no longer asked."""
    ui = v.ui_hints if isinstance(v.ui_hints, dict) else {}
    hints = ui.get("fields") or {}
    # In the form's order: PostgreSQL's jsonb keeps an object's keys in an order of its own.
    dependents = [
        name for name in ui.get("order") or sorted(hints)
        if isinstance(hints.get(name), dict) and (hints[name].get("show_if") or {}).get("field") in names
        and name not in names
    ]
    return [*names, *dependents]


def shown_answers(v: Version, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the answers to fields its own answers hide ("show only if")."""
    return catalogue.submission_data(v, data)  # type: ignore[arg-type]  # reads .form_schema only


def certificate_valid_until(v: Version, issued_on: date) -> date | None:
    """The last day a certificate issued today under ``v`` is in force (None: it does not expire)."""
    return catalogue.certificate_valid_until(v.certificate_validity_months, issued_on)


def add_working_days(tenant: Tenant, start: date, n: int) -> date:
    return catalogue.add_working_days(tenant, start, n)


def working_days_between(tenant: Tenant, a: date, b: date) -> int:
    return catalogue.working_days_between(tenant, a, b)


# --- documents -------------------------------------------------------------------------------


def owned_document(tenant: Tenant, owner: accounts.Membership, document_id: UUID, *, field: str) -> Any:
    """A document in the applicant's wallet (their upload or something issued to them); another
    person's or tenant's document is a 404 naming the field."""
    from smartgov.documents import selectors as documents

    try:
        return documents.wallet_documents(tenant, owner, [document_id])[0]
    except NotFound:
        raise NotFound(_("No such document in the applicant's wallet."), details=[{"field": field}]) from None


def attached_documents(tenant: Tenant, app: Application) -> list[Any]:
    """The documents attached to an application."""
    from smartgov.documents import selectors as documents

    return list(documents.documents(tenant, app.attachments.values("document_id")))


def file_document(actor: Actor, tenant: Tenant, document: Any) -> None:
    """Attached to a submitted application: the document is kept for its retention period."""
    from smartgov.documents import services as document_services

    document_services.file_document(actor, tenant, document)


def store_issued(actor: Actor, tenant: Tenant, cert: Certificate, content: bytes) -> UUID:
    from smartgov.documents import services as document_services

    department = cert.application.department
    doc = document_services.store_issued(
        actor,
        tenant,
        cert.holder,
        content=content,
        title=f"{cert.title_zh} {cert.number}",
        doc_type="certificate",
        issuer_department=department,
        file_name=f"{cert.number}.pdf",
    )
    return doc.pk


def document_content(actor: Actor, tenant: Tenant, document_id: UUID) -> bytes:
    from smartgov.documents import selectors as documents
    from smartgov.documents import services as document_services

    return document_services.open_content(actor, tenant, documents.document(tenant, document_id), purpose="download")


def wallet(tenant: Tenant, owner: accounts.Membership) -> list[Any]:
    from smartgov.documents import selectors as documents

    return list(documents.wallet(tenant, owner))


def upload(
    actor: Actor,
    tenant: Tenant,
    owner: accounts.Membership,
    file_name: str,
    content: Any,
    content_type: str,
) -> Any:
    """Into the owner's wallet as a draft (``content``: bytes or a readable file)."""
    from smartgov.documents import services as document_services

    return document_services.upload(
        actor, tenant, owner, file_name=file_name, content=content, declared_type=content_type
    )


def upload_filed(
    actor: Actor, tenant: Tenant, owner: accounts.Membership, file_name: str, content: Any, content_type: str
) -> Any:
    """Into the owner's wallet already filed, for an application submitted in this transaction;
    counted against the quota by ``reserve_quota`` before the transaction ends."""
    from smartgov.documents import services as document_services

    return document_services.upload_filed(
        actor, tenant, owner, file_name=file_name, content=content, declared_type=content_type
    )


def reserve_quota(tenant: Tenant, documents: list[Any]) -> None:
    from smartgov.documents import services as document_services

    document_services.reserve_quota(tenant, documents)


# --- notices ---------------------------------------------------------------------------------


def notify(tenant: Tenant, recipient: accounts.Membership, event: str, context: dict[str, Any], link: str = "") -> None:
    from smartgov.notices import services as notices

    notices.notify(tenant, recipient, event, context, link=link)


# --- billing ---------------------------------------------------------------------------------


def issue_bill(actor: Actor, tenant: Tenant, app: Application, v: Version) -> UUID:
    """Bill the service's fee to the applicant; idempotent per application (billing's source key)."""
    from smartgov.billing import services as billing

    biller = app.department
    if biller is None:
        raise Conflict(_("The service names no department to bill for it."), code="no_biller")
    due = app.submitted_at.astimezone(ZoneInfo(tenant.time_zone)).date() + timedelta(days=15)  # type: ignore[union-attr]
    bill = billing.issue_bill(
        actor,
        tenant,
        biller=biller,
        payer=app.applicant,
        lines=[{"item": v.name_zh, "quantity": 1, "unit_price_fen": v.fee_fen}],
        due_date=due,
        source_type="cases.application",
        source_id=str(app.pk),
        title=v.name_zh,
    )
    return bill.pk


def bill_paid(tenant: Tenant, bill_id: UUID) -> bool:
    from smartgov.billing import selectors as billing

    return billing.bill_status(tenant, bill_id).is_paid


def published_services(tenant: Tenant, query: str = "") -> Any:
    """Services open for applications now, searched by name, description or department."""
    return catalogue.published_services(tenant, query=query or None)
