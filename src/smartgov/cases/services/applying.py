"""Applying: drafts (autosaved), submission (validated, numbered, idempotent at the API), correction
answers (amend only what was asked), withdrawal. Applicants are citizens and businesses, or an
agency's system acting for one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor, record
from smartgov.cases import ports
from smartgov.cases.models import Application
from smartgov.cases.services import _common as common
from smartgov.cases.services import flow
from smartgov.cases.services.answers import check_known, merge, prefill, without_hidden
from smartgov.cases.services.attaching import (
    AttachmentIn,
    attach,
    check_answers,
    clear_group_attachments,
    document_answers,
    group_answers,
    write_attachments,
)
from smartgov.cases.services.numbers import allocate_reference
from smartgov.kit import clock, statements
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy.models import Tenant

DELIVERY_VISITS = {"online": 0, "one_visit": 1, "in_person": 2}
_INSERT = statements.Insert(Application)  # every draft and submission (kit.statements)


@dataclass(frozen=True)
class FileIn:
    """A file sent with the application itself: ``answers`` names the form's file field (a group
    item's as ``owners[1].id_copy``) or the required document it is for."""

    answers: str
    file_name: str
    content: Any  # bytes or a readable file
    content_type: str


# --- drafts ----------------------------------------------------------------------------------


def _new_draft(
    tenant: Tenant, applicant: accounts.Membership, service_id: UUID | str, version: ports.Version | None = None
) -> Application:
    app = _unsaved_draft(tenant, applicant, version or ports.current_version(tenant, service_id))
    _INSERT(app)
    return app


def _unsaved_draft(
    tenant: Tenant, applicant: accounts.Membership, version: ports.Version, data: dict[str, Any] | None = None
) -> Application:
    """A draft in memory, pre-filled and with ``data`` on top (checked for unknown fields): sealed
    once, where saving the pre-filled draft and merging would decrypt and seal it again."""
    answers = prefill(tenant, applicant, version)
    if data:
        check_known(version, data)
        answers.update(data)
    now = clock.now()
    clear, sealed = common.seal(tenant, version.form_schema, answers)
    return Application(
        tenant=tenant,
        applicant=applicant,
        service_id=version.service_id,
        service_version_id=version.id,
        service_code=version.service_code,
        service_name_zh=version.name_zh,
        service_name_en=version.name_en,
        department_id=version.department_id,
        delivery=version.delivery,
        fee_fen=version.fee_fen,
        form_data=clear,
        sealed_data=sealed,
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def start(actor: Actor, tenant: Tenant, applicant: accounts.Membership, service_id: UUID | str) -> Application:
    """A new draft against the service's current version, pre-filled from the applicant's profile."""
    app = _new_draft(tenant, applicant, service_id)
    record(
        actor=actor,
        tenant=tenant,
        action="application.start",
        obj=app,
        changes={"service": app.service_code, "version": str(app.service_version_id)},
    )
    return app


def _require_draft(app: Application) -> None:
    if app.status != Application.Status.DRAFT:
        raise Conflict(_("This application was submitted already."), code="not_a_draft")


@transaction.atomic
def save_draft(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    data: dict[str, Any],
    attachments: list[AttachmentIn] = (),  # type: ignore[assignment]
) -> Application:
    """Autosave: keep whatever was typed, valid or not; validation waits for submission."""
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    _require_draft(app)
    version = ports.version(tenant, app.service_version_id)
    merge(tenant, app, version, data)
    attach(tenant, app, [*document_answers(version, data), *attachments])
    app.updated_at = clock.now()
    app.save(update_fields=["form_data", "sealed_data", "updated_at"])
    record(actor=actor, tenant=tenant, action="application.save_draft", obj=app, changes={"fields": sorted(data)})
    return app


# --- submission ------------------------------------------------------------------------------


def _validate(tenant: Tenant, app: Application, version: ports.Version, attached: set[str] | None = None) -> None:
    """Schema and required documents; ``attached`` (the requirements answered) is read from the
    database unless the caller knows it."""
    problems = ports.validate_form(version, common.unseal(tenant, app))
    if attached is None:
        attached = set(app.attachments.values_list("requirement", flat=True))
    for doc in version.required_documents:
        if doc.get("required", True) and doc["code"] not in attached:
            problems.append({"field": f"attachments.{doc['code']}", "message": _("This document is required.")})
    if problems:
        names = ", ".join(p["field"] for p in problems)
        raise InvalidInput(
            _("The application is not complete: %(fields)s.") % {"fields": names}, code="invalid_form", details=problems
        )


@transaction.atomic
def submit(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    data: dict[str, Any] | None = None,
    attachments: list[AttachmentIn] = (),  # type: ignore[assignment]
    *,
    agency: str = "",
) -> Application:
    """Validate against the version's schema, number it, start its clock and its workflow (or wait
    for the fee to be paid first), and tell the applicant."""
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    _require_draft(app)
    version = ports.version(tenant, app.service_version_id)
    return _submit(actor, tenant, app, version, data or {}, attachments, agency=agency, fresh=False)


# What a submission changes on a saved draft (saved with only these: the rest is as locked).
SUBMITTED_FIELDS = (
    "form_data", "sealed_data", "submitted_at", "deadline", "visits_required", "submitted_by_agency", "updated_at",
    "state", "status",
)


def _submit(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    version: ports.Version,
    data: dict[str, Any],
    attachments: list[AttachmentIn],
    *,
    agency: str,
    fresh: bool,
    reference: str = "",
    uploaded: list[Any] = (),  # type: ignore[assignment]
) -> Application:
    """Submit a draft this transaction holds (locked), or a ``fresh`` one not saved yet (built by
    ``_unsaved_draft`` with ``data`` merged in), which is inserted once, already submitted, rather
    than inserted as a draft and updated with every column a moment later. ``uploaded``: documents
    uploaded (and filed) for it in this transaction. Numbered with ``reference`` when one was taken
    already (``take_reference``)."""
    if data and not fresh:
        merge(tenant, app, version, data)
    if ports.has_conditions(version):
        data = without_hidden(tenant, app, version, data, saved=not fresh)
    # Files in a group's items are attached as the submitted form has them (a draft attaches none).
    groups = ports.group_document_fields(version.form_schema)
    in_groups = group_answers(version, common.unseal(tenant, app)) if groups else []
    answers = check_answers(
        tenant, app, [*document_answers(version, data), *in_groups, *attachments], uploaded=uploaded
    )
    if fresh:
        _validate(tenant, app, version, attached={a.requirement for a in answers})
        documents = [a.document for a in answers]
    else:
        clear_group_attachments(app, groups)
        write_attachments(tenant, app, answers, fresh=False)
        _validate(tenant, app, version)
        documents = ports.attached_documents(tenant, app)
    now = clock.now()
    today = common.local_date(tenant, now)
    app.submitted_at = now
    app.deadline = ports.add_working_days(tenant, today, version.time_limit_days)
    app.visits_required = DELIVERY_VISITS.get(version.delivery, 0)
    app.submitted_by_agency = agency
    app.updated_at = now
    app.state = ports.start_state(version)
    paid_later = version.fee_fen > 0
    app.status = Application.Status.AWAITING_PAYMENT if paid_later else Application.Status.SUBMITTED
    app.reference = reference
    if fresh:
        _INSERT(app)
        # The response is built from what was written, not read back (ApplicationOut).
        app.written_attachments = write_attachments(tenant, app, answers, fresh=True)  # type: ignore[attr-defined]
    if not paid_later:
        flow.enter_state(tenant, app, version, app.state)
    common.event(app, "submitted", actor, _("Submitted"), to_state=app.state)
    already_filed = {d.pk for d in uploaded}
    for document in documents:
        if document.pk not in already_filed:
            ports.file_document(actor, tenant, document)
    # The tenant-wide locks (the reference counter, then the audit chain head) are taken last, so
    # concurrent submissions of a tenant queue only for the short tail of the transaction.
    late = []
    if not app.reference:
        app.reference = allocate_reference(tenant, today.year)
        late.append("reference")
    if paid_later:
        app.bill_id = ports.issue_bill(actor, tenant, app, version)
        late.append("bill_id")
    if not fresh:
        late = [*SUBMITTED_FIELDS, "reference", "bill_id"]
    if late:
        app.save(update_fields=late)
    common.notify_after_commit(
        tenant,
        app.applicant,
        "application_submitted",
        {"reference": app.reference, "service": common.service_name(app), "deadline": app.deadline},
        common.applicant_link(app),
    )
    record(
        actor=actor,
        tenant=tenant,
        action="application.submit",
        obj=app,
        changes={
            "reference": app.reference,
            "version": str(app.service_version_id),
            "agency": agency,
            "deadline": app.deadline,
            "form": app.form_data,
            "filed_documents": [str(d.pk) for d in documents],
        },
    )
    return app


def apply(
    actor: Actor,
    tenant: Tenant,
    applicant: accounts.Membership,
    service_id: UUID | str,
    data: dict[str, Any],
    attachments: list[AttachmentIn] = (),  # type: ignore[assignment]
    *,
    agency: str = "",
    files: list[FileIn] = (),  # type: ignore[assignment]
    reference: str = "",
) -> Application:
    """Create and submit in one go (the API's create-and-submit, an agency's system): one audit
    event (the submission names the version) instead of a draft's and a submission's. ``files``
    go into the applicant's wallet in the same transaction and answer what they name: a refused
    application keeps none of them."""
    with transaction.atomic(savepoint=False):  # a failure anywhere undoes all of it: no savepoint needed
        version = ports.current_version(tenant, service_id)
        data, attachments = dict(data), list(attachments)
        file_fields = set(ports.document_fields(version.form_schema))
        group_files = ports.group_document_fields(version.form_schema)
        sent: set[str] = set()
        uploaded = []
        for file in files:
            # Stored filed: the submission below files every one of them in this transaction.
            doc = ports.upload_filed(actor, tenant, applicant, file.file_name, file.content, file.content_type)
            uploaded.append(doc)
            place = ports.item_place(file.answers)
            if place and place[2] in group_files.get(place[0], ()):
                _answer_in_item(data, file.answers, place, str(doc.pk))
            elif file.answers in file_fields:  # several files for one field: a list (the schema says if it may be)
                earlier = data.get(file.answers)
                data[file.answers] = [*earlier, str(doc.pk)] if isinstance(earlier, list) else (
                    [earlier, str(doc.pk)] if file.answers in sent else str(doc.pk))
                sent.add(file.answers)
            else:
                attachments.append(AttachmentIn(file.answers, doc.pk))
        app = _unsaved_draft(tenant, applicant, version, data)
        app = _submit(
            actor, tenant, app, version, data, attachments, agency=agency, fresh=True, reference=reference,
            uploaded=uploaded,
        )
        ports.reserve_quota(tenant, uploaded)  # the tenant's quota row: locked for the tail only
        return app


def _answer_in_item(data: dict[str, Any], part: str, place: tuple[str, int, str], document_id: str) -> None:
    """A file sent for ``owners[1].id_copy`` answers that field of the application's second item."""
    group, index, sub = place
    items = data.get(group)
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
        message = _("The application has no item %(index)s in %(group)s for this file.")
        raise InvalidInput.for_field(part, message % {"index": index, "group": group})
    data[group] = [dict(item) if isinstance(item, dict) else item for item in items]
    data[group][index][sub] = document_id


@transaction.atomic
def payment_settled(actor: Actor, tenant: Tenant, app: Application) -> Application:
    """The fee is paid: the case moves from awaiting_payment into its workflow."""
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    if app.status != Application.Status.AWAITING_PAYMENT:
        return app
    version = ports.version(tenant, app.service_version_id)
    app.status = Application.Status.SUBMITTED
    app.updated_at = clock.now()
    app.save(update_fields=["status", "updated_at"])
    flow.enter_state(tenant, app, version, app.state)
    common.event(app, "paid", actor, _("Fee paid"))
    record(actor=actor, tenant=tenant, action="application.paid", obj=app, changes={"bill": str(app.bill_id)})
    return app


# --- after submission --------------------------------------------------------------------------


@transaction.atomic
def amend(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    data: dict[str, Any],
    attachments: list[AttachmentIn] = (),  # type: ignore[assignment]
) -> Application:
    """Answer a correction request: change only the items staff asked for, then resubmit."""
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    if app.status != Application.Status.AWAITING_CORRECTION:
        raise Conflict(_("No correction was requested."), code="no_correction_requested")
    asked = set(app.correction_items)
    extra = sorted(set(data) - asked)
    if extra:
        raise InvalidInput(
            _("Only the items asked for may be changed: %(items)s.") % {"items": ", ".join(sorted(asked))},
            code="not_requested",
            details=[{"field": f"data.{n}", "message": _("not asked for correction")} for n in extra],
        )
    version = ports.version(tenant, app.service_version_id)
    merge(tenant, app, version, data)
    if ports.has_conditions(version):
        data = without_hidden(tenant, app, version, data, saved=True)
    attach(tenant, app, [*document_answers(version, data), *attachments], replace=asked)
    corrected_groups = asked & set(ports.group_document_fields(version.form_schema))
    if corrected_groups:  # asked for, so each of their items' files may change
        clear_group_attachments(app, corrected_groups)
        attach(tenant, app, group_answers(version, common.unseal(tenant, app), only=corrected_groups))
    _validate(tenant, app, version)
    for document in ports.attached_documents(tenant, app):
        ports.file_document(actor, tenant, document)
    app.correction_items, app.correction_message = [], ""
    app.save(update_fields=["form_data", "sealed_data", "correction_items", "correction_message"])
    flow.resubmit(actor, tenant, app, version)
    record(
        actor=actor,
        tenant=tenant,
        action="application.amend",
        obj=app,
        changes={"fields": sorted(data), "attachments": [a.requirement for a in attachments]},
    )
    return app


@transaction.atomic
def withdraw(actor: Actor, tenant: Tenant, app: Application, reason: str = "") -> Application:
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    if app.is_final:
        raise Conflict(_("This application is closed already."), code="application_closed")
    now = clock.now()
    flow.close_tasks(app, cancelled=True)
    app.status = Application.Status.WITHDRAWN
    app.completed_at = now
    app.updated_at = now
    app.save(update_fields=["status", "completed_at", "updated_at"])
    common.event(app, "withdrawn", actor, reason or _("Withdrawn by the applicant"))
    record(actor=actor, tenant=tenant, action="application.withdraw", obj=app, changes={"reason": reason})
    return app
