"""What an application's form holds: the answers the platform pre-fills from the applicant's
profile, new answers merged into the sealed ones, and the answers to fields the form's conditions
hide dropped before they are kept."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.cases import ports
from smartgov.cases.models import Application
from smartgov.cases.services import _common as common
from smartgov.cases.services.attaching import detach
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

# Profile facts a form can be pre-filled with, and the field names (or ui hint "prefill") that take them.
PREFILL_SOURCES = {
    "full_name": ("full_name", "name", "applicant_name"),
    "id_number": ("id_number", "identity_number", "applicant_id_number"),
    "phone": ("phone", "mobile", "applicant_phone"),
    "company_name": ("company_name", "business_name"),
    "uscc": ("uscc", "credit_code"),
}


def profile_facts(tenant: Tenant, applicant: accounts.Membership) -> dict[str, str]:
    """What the platform already knows about the applicant (decrypted for their own form only)."""
    facts = {"full_name": applicant.user.full_name or ""}
    profile = getattr(applicant, "profile", None)
    if profile is None:
        return {k: v for k, v in facts.items() if v}
    facts["full_name"] = profile.full_name or facts["full_name"]
    if profile.id_number_cipher:
        facts["id_number"] = keys.decrypt(tenant, profile.id_number_cipher, "profile.id_number")
    if profile.phone_cipher:
        facts["phone"] = keys.decrypt(tenant, profile.phone_cipher, "profile.phone")
    facts["company_name"] = profile.company_name
    facts["uscc"] = profile.uscc
    return {k: v for k, v in facts.items() if v}


HINT_TYPE_SOURCES = {"identity_number": "id_number", "phone": "phone"}


def prefill(tenant: Tenant, applicant: accounts.Membership, version: ports.Version) -> dict[str, Any]:
    """Form answers the platform already knows, by the field's UI hint (``prefill``: a profile fact,
    or its type: identity number, phone) or its conventional name (full_name, company_name ...)."""
    facts = profile_facts(tenant, applicant)
    fields = (version.form_schema.get("properties") or {}).keys()
    hints = version.ui_hints.get("fields", {}) if isinstance(version.ui_hints, dict) else {}
    filled: dict[str, Any] = {}
    for name in fields:
        hint = hints.get(name) if isinstance(hints, dict) else None
        hint = hint if isinstance(hint, dict) else {}
        source = hint.get("prefill")
        if isinstance(source, str):
            source = source.removeprefix("profile.")
        else:
            source = next((fact for fact, names in PREFILL_SOURCES.items() if name in names), None)
            source = source or HINT_TYPE_SOURCES.get(str(hint.get("type")))
        if source and source in facts:
            filled[name] = facts[source]
    return filled


def merge(tenant: Tenant, app: Application, version: ports.Version, data: dict[str, Any]) -> None:
    check_known(version, data)
    merged = common.unseal(tenant, app)
    merged.update(data)
    app.form_data, app.sealed_data = common.seal(tenant, version.form_schema, merged)


def without_hidden(
    tenant: Tenant, app: Application, version: ports.Version, data: dict[str, Any], *, saved: bool
) -> dict[str, Any]:
    """Drop the answers to fields hidden by the form's conditions ("show only if") from the
    application, and return ``data`` without them: the applicant was not asked those questions, so
    their answers (kept in the draft while the condition could still change) are neither validated,
    stored with the submission, nor attached (a document the draft attached to a file field now
    hidden is detached; a group's files are attached from the shown items afterwards)."""
    full = common.unseal(tenant, app)
    shown = ports.shown_answers(version, full)
    if shown != full:
        app.form_data, app.sealed_data = common.seal(tenant, version.form_schema, shown)
        hidden_files = [n for n in ports.document_fields(version.form_schema) if n in full and n not in shown]
        if hidden_files and saved:  # (an application not saved yet has nothing attached)
            detach(app, hidden_files)
    return {name: shown[name] for name in data if name in shown}


def check_known(version: ports.Version, data: dict[str, Any]) -> None:
    known = set((version.form_schema.get("properties") or {}).keys())
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(
            _("The form has no field %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_field",
            details=[{"field": f"data.{n}", "message": _("no such field in this form")} for n in unknown],
        )
