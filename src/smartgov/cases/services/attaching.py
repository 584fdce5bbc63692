"""Attaching documents to an application: answers to its file fields and required documents,
checked against the applicant's wallet (or uploaded with the application), then written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.utils.translation import gettext as _

from smartgov.cases import ports
from smartgov.cases.models import Application, Attachment
from smartgov.kit import clock, statements
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.models import Tenant


@dataclass(frozen=True)
class AttachmentIn:
    requirement: str
    document_id: UUID


def document_answers(version: ports.Version, data: dict[str, Any]) -> list[AttachmentIn]:
    """File fields of the form hold document ids: each becomes an attachment for that field."""
    found = []
    for name in ports.document_fields(version.form_schema):
        found += _references(name, data.get(name))
    return found


def group_answers(version: ports.Version, data: dict[str, Any], only: set[str] | None = None) -> list[AttachmentIn]:
    """File fields inside a repeating group's items (each shareholder's identity card): each
    answer becomes an attachment for its place in the form, ``owners[1].id_copy``. Given the whole
    form (the group's list replaces what was there), for the groups in ``only`` if given."""
    found = []
    for group, subs in ports.group_document_fields(version.form_schema).items():
        if only is not None and group not in only:
            continue
        items = data.get(group)
        for i, item in enumerate(items if isinstance(items, list) else []):
            for sub in subs if isinstance(item, dict) else []:
                found += _references(f"{group}[{i}].{sub}", item.get(sub))
    return found


def detach(app: Application, requirements: Iterable[str]) -> None:
    Attachment.objects.filter(application=app, requirement__in=list(requirements)).delete()


def clear_group_attachments(app: Application, groups: Iterable[str]) -> None:
    """Detach what the groups' items had attached, before attaching the items as they are now (an
    item removed or moved must not leave its document behind)."""
    places = Q()
    for group in groups:
        places |= Q(requirement__startswith=f"{group}[")
    if places:
        Attachment.objects.filter(application=app).filter(places).delete()


def _references(requirement: str, value: Any) -> list[AttachmentIn]:
    found = []
    for ref in value if isinstance(value, list) else [value] if value else []:
        try:
            found.append(AttachmentIn(requirement, UUID(str(ref))))
        except ValueError:
            continue  # schema validation names the malformed reference
    return found


def _from_wallet(doc: Any, app: Application) -> bool:
    """Re-used rather than brought anew: something a department issued, or a document the
    government already holds because it was filed with an earlier application. A fresh upload
    (still a draft in the wallet) is what the applicant brought this time."""
    return bool(doc.source == "issued" or doc.status == "filed")


@dataclass(frozen=True)
class Answer:
    """An attachment about to be written: the requirement it answers and the document."""

    requirement: str
    document: Any
    from_wallet: bool


def check_answers(
    tenant: Tenant,
    app: Application,
    attachments: list[AttachmentIn],
    replace: set[str] | None = None,
    *,
    uploaded: list[Any] = (),  # type: ignore[assignment]
) -> list[Answer]:
    """Check that the applicant owns each document (fresh uploads or documents from the wallet) and
    may answer its requirement. A document the applicant held before starting this application
    counts as re-used from the wallet. ``uploaded``: documents uploaded for this application in
    this transaction, used as they are (not read back) and brought now (not from the wallet)."""
    brought = {d.pk: d for d in uploaded}
    found = []
    for i, item in enumerate(attachments):
        doc = brought.get(item.document_id)
        if doc is None:
            doc = ports.owned_document(tenant, app.applicant, item.document_id, field=f"attachments[{i}].document_id")
        if replace is not None and item.requirement not in replace:
            raise InvalidInput.for_field(
                f"attachments[{i}].requirement", _("Only the items asked for may be changed."), code="not_requested"
            )
        found.append(Answer(item.requirement, doc, item.document_id not in brought and _from_wallet(doc, app)))
    return found


def write_attachments(tenant: Tenant, app: Application, answers: list[Answer], *, fresh: bool) -> list[Attachment]:
    """Attach the answers (one INSERT). A new answer for a requirement replaces the old ones; a
    ``fresh`` application (created in this transaction) has none to replace."""
    if not fresh:
        for requirement in dict.fromkeys(a.requirement for a in answers):
            Attachment.objects.filter(application=app, requirement=requirement).delete()
    rows = [
        Attachment(
            tenant=tenant,
            application=app,
            requirement=a.requirement,
            document_id=a.document.id,
            name=a.document.title,
            from_wallet=a.from_wallet,
            created_at=clock.now(),
        )
        for a in answers
    ]
    _INSERT(*rows)  # (no statement when there are none)
    return rows


_INSERT = statements.Insert(Attachment)  # every submission's documents (kit.statements)


def attach(
    tenant: Tenant, app: Application, attachments: list[AttachmentIn], replace: set[str] | None = None
) -> list[Any]:
    """Attach documents the applicant owns to a saved draft (see ``check_answers``); returns them."""
    answers = check_answers(tenant, app, attachments, replace)
    write_attachments(tenant, app, answers, fresh=False)
    return [a.document for a in answers]
