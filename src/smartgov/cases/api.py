"""Applications (citizens, businesses and agencies on their behalf) and case work (staff tasks),
decisions, certificates, their public verification, and statistics."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticValidationError

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors as accounts
from smartgov.accounts.services import Principal
from smartgov.api import idempotency
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.cases import selectors, services, statistics
from smartgov.cases.certificates_api import router as certificates_router
from smartgov.cases.models import Application
from smartgov.cases.schemas import (
    ActionOut,
    AmendIn,
    AnswersIn,
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    AssignIn,
    CompleteIn,
    DecisionIn,
    StatisticsOut,
    TaskOut,
    WithdrawIn,
)
from smartgov.kit.errors import Forbidden, InvalidInput, NotFound
from smartgov.tenancy.context import own_transactions
from smartgov.tenancy.models import Tenant

router = Router(tags=["applications and cases"], auth=tenant_auth)


def _attachments(items: list[Any]) -> list[services.AttachmentIn]:
    return [services.AttachmentIn(a.requirement, a.document_id) for a in items]


def _readable(caller: Principal, tenant: Tenant, application_id: str) -> Application:
    """The applicant's own application; staff who work cases; the agency system that submitted it.
    Anyone else (and another tenant) gets a 404."""
    app = selectors.application(tenant, application_id)
    if caller.membership is not None and app.applicant_id == caller.membership.pk:
        return app
    if caller.has(perms.CASES_WORK):
        return app
    if (
        caller.user is None
        and caller.has(perms.APPLICATIONS_SUBMIT_ON_BEHALF)
        and app.submitted_by_agency == caller.actor.id
    ):
        return app
    raise NotFound(_("No such application."))


def _own(caller: Principal, tenant: Tenant, application_id: str) -> Application:
    """Only the applicant (or the agency that submitted it for them) may change an application."""
    app = selectors.application(tenant, application_id)
    if caller.membership is not None and app.applicant_id == caller.membership.pk:
        return app
    if (
        caller.user is None
        and caller.has(perms.APPLICATIONS_SUBMIT_ON_BEHALF)
        and app.submitted_by_agency == caller.actor.id
    ):
        return app
    raise NotFound(_("No such application."))


def _staff(caller: Principal, permission: str = perms.CASES_WORK) -> Any:
    caller.require(permission)
    if caller.membership is None:
        raise Forbidden(_("Case work is done by staff members, not by API clients."), code="staff_only")
    return caller.membership


def _detail(tenant: Tenant, app: Application, *, staff: bool) -> Application:
    app.history = list(selectors.history(tenant, app, include_internal=staff))  # type: ignore[attr-defined]
    app.decision = getattr(app, "decision", None) if hasattr(app, "decision") else None
    return app


def _applicant(request: HttpRequest, payload: ApplicationIn) -> tuple[Principal, Any, str]:
    """Who applies: the caller, or the citizen an agency's system names (then the agency's id)."""
    caller = principal(request)
    if payload.applicant_id is not None:
        caller.require(perms.APPLICATIONS_SUBMIT_ON_BEHALF)
        applicant = accounts.membership(tenant_of(request), payload.applicant_id)
        if applicant.kind not in ("citizen", "business") or not applicant.is_active:
            raise NotFound(_("No such citizen or business."), details=[{"field": "applicant_id"}])
        return caller, applicant, caller.actor.id if caller.user is None else ""
    if caller.membership is not None:
        return caller, caller.membership, ""
    raise Forbidden(_("An API client applies on a citizen's behalf: name applicant_id."), code="applicant_required")


@router.post(
    "/t/{tenant}/applications",
    response={200: ApplicationOut, 201: ApplicationOut},
    url_name=own_transactions("cases_apply"),
    summary="Apply for a service",
)
def create_application(request: HttpRequest, tenant: str, payload: ApplicationIn) -> Any:
    """Start an application for a service (its current published version). With `submit: true`
    (the default) it is validated and submitted at once and **needs an `Idempotency-Key` header**:
    a retry with the same key returns the first answer, the same key with another body is a 409.
    Field problems answer 422 with each field named (`data.<field>`). Agencies' systems submit on a
    citizen's behalf with `applications.submit_on_behalf`, naming `applicant_id`. The readable
    reference is taken before the submission runs, so a refused request leaves a gap in the numbers."""
    caller, applicant, agency = _applicant(request, payload)
    the_tenant = tenant_of(request)
    if not payload.submit:
        app = services.start(caller.actor, the_tenant, applicant, payload.service_id)
        if payload.data or payload.attachments:
            app = services.save_draft(caller.actor, the_tenant, app, payload.data, _attachments(payload.attachments))
        return Status(201, app)

    # The number is taken first, in a short transaction of its own (this operation runs outside a
    # request-wide one): concurrent submissions do not queue on the tenant's counter for the whole
    # submission. A refused or replayed request leaves a gap in the numbers.
    reference = services.take_reference(the_tenant)

    def execute() -> tuple[int, Any]:
        app = services.apply(
            caller.actor,
            the_tenant,
            applicant,
            payload.service_id,
            payload.data,
            _attachments(payload.attachments),
            agency=agency,
            reference=reference,
        )
        return 201, ApplicationOut.from_orm(app)  # the submitted application as this transaction holds it

    return Status(*idempotency.run(request, "cases.apply", payload, execute))


APPLICATION_WITH_FILES_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["application"],
                "properties": {
                    "application": {
                        "type": "string",
                        "description": "The application as JSON, as for POST /applications (submitted at once)",
                    },
                },
                "additionalProperties": {
                    "type": "string",
                    "format": "binary",
                    "description": (
                        "A file; its part name is the form's file field (owners[1].id_copy in a group's item) "
                        "or the required document it answers"
                    ),
                },
            }
        }
    }
}


@router.post(
    "/t/{tenant}/applications/with-files",
    response={200: ApplicationOut, 201: ApplicationOut},
    summary="Apply with the documents in the same request",
    url_name=own_transactions("cases_apply_with_files"),
    openapi_extra={"requestBody": APPLICATION_WITH_FILES_BODY},
)
def create_application_with_files(request: HttpRequest, tenant: str) -> Any:
    """One multipart request instead of an upload per document and then the application: the part
    `application` holds the application's JSON (as for `POST /applications`), every other part is a
    file answering the form's file field or the required document its part name names; a part named
    `owners[1].id_copy` answers that field of the second item of the group `owners`. The files
    are checked like any upload (type sniffed, size limit, quota), put into the applicant's wallet
    and the application is submitted, all in one transaction: a refused application keeps none of
    the files. **Needs an `Idempotency-Key` header**; a retry with the same key and the same files
    returns the first answer."""
    raw = request.POST.get("application")
    if raw is None:
        raise InvalidInput.for_field("application", _("Send the application's JSON in the part 'application'."))
    try:
        payload = ApplicationIn.model_validate_json(raw)
    except PydanticValidationError as exc:
        raise ValidationError([{**e, "loc": ("form", "application", *e["loc"])} for e in exc.errors()]) from None
    files = [
        services.FileIn(part, upload.name or part, upload, upload.content_type or "")
        for part, uploads in request.FILES.lists()
        for upload in uploads
    ]
    caller, applicant, agency = _applicant(request, payload)
    reference = services.take_reference(tenant_of(request))  # see create_application

    def execute() -> tuple[int, Any]:
        app = services.apply(
            caller.actor,
            tenant_of(request),
            applicant,
            payload.service_id,
            payload.data,
            _attachments(payload.attachments),
            agency=agency,
            files=files,
            reference=reference,
        )
        return 201, ApplicationOut.from_orm(app)

    sent = [{"part": f.answers, "name": f.file_name, "sha256": _sha256(f.content)} for f in files]
    body = {"application": payload.model_dump(mode="json"), "files": sent}
    return Status(*idempotency.run(request, "cases.apply_with_files", body, execute))


def _sha256(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@router.get("/t/{tenant}/applications", response=list[ApplicationOut], summary="List my applications")
def list_applications(request: HttpRequest, tenant: str, status: str = "") -> Any:
    """The caller's own applications, newest first (an agency's system: those it submitted)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    if caller.membership is not None:
        qs = selectors.my_applications(the_tenant, caller.membership)
    elif caller.has(perms.APPLICATIONS_SUBMIT_ON_BEHALF):
        qs = selectors.applications(the_tenant).filter(submitted_by_agency=caller.actor.id)
    else:
        return []
    if status:
        qs = qs.filter(status=status)
    return list(qs.prefetch_related("attachments")[:200])


@router.get("/t/{tenant}/applications/{application_id}", response=ApplicationDetailOut, summary="Get an application")
def get_application(request: HttpRequest, tenant: str, application_id: str) -> Any:
    """Status, deadline, answers (personal fields masked), attachments, history and decision."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = _readable(caller, the_tenant, application_id)
    staff = caller.has(perms.CASES_WORK)
    return _detail(the_tenant, app, staff=staff)


@router.post("/t/{tenant}/applications/{application_id}/draft", response=ApplicationOut, summary="Save a draft")
def save_draft(request: HttpRequest, tenant: str, application_id: str, payload: AnswersIn) -> Any:
    """Autosave: answers are kept as typed (validation waits for submission)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = _own(caller, the_tenant, application_id)
    return services.save_draft(caller.actor, the_tenant, app, payload.data, _attachments(payload.attachments))


@router.post(
    "/t/{tenant}/applications/{application_id}/submit",
    response={200: ApplicationOut, 201: ApplicationOut},
    summary="Submit a draft",
)
def submit_application(request: HttpRequest, tenant: str, application_id: str, payload: AnswersIn) -> Any:
    """Validate and submit a draft (with any last answers). Needs an `Idempotency-Key` header."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = _own(caller, the_tenant, application_id)

    def execute() -> tuple[int, Any]:
        done = services.submit(caller.actor, the_tenant, app, payload.data, _attachments(payload.attachments))
        return 201, ApplicationOut.from_orm(selectors.application(the_tenant, done.pk))

    body = {"id": application_id, "body": payload.model_dump(mode="json")}
    return Status(*idempotency.run(request, "cases.submit", body, execute))


@router.post("/t/{tenant}/applications/{application_id}/amend", response=ApplicationOut, summary="Answer a correction")
def amend_application(request: HttpRequest, tenant: str, application_id: str, payload: AmendIn) -> Any:
    """Change only the items staff asked to correct (others: 422 `not_requested`) and resubmit."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = _own(caller, the_tenant, application_id)
    return services.amend(caller.actor, the_tenant, app, payload.data, _attachments(payload.attachments))


@router.post("/t/{tenant}/applications/{application_id}/withdraw", response=ApplicationOut, summary="Withdraw")
def withdraw_application(request: HttpRequest, tenant: str, application_id: str, payload: WithdrawIn) -> Any:
    """Withdraw an open application; its open tasks are cancelled."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = _own(caller, the_tenant, application_id)
    return services.withdraw(caller.actor, the_tenant, app, payload.reason)


@router.get("/t/{tenant}/applications/{application_id}/actions", response=list[ActionOut], summary="Actions open to me")
def application_actions(request: HttpRequest, tenant: str, application_id: str) -> Any:
    """The workflow actions the calling staff member may take on the case now."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = selectors.application(the_tenant, application_id)  # another tenant's: 404 before anything
    return services.available_actions(the_tenant, app, _staff(caller))


@router.post("/t/{tenant}/applications/{application_id}/decision", response=ApplicationDetailOut, summary="Decide")
def decide(request: HttpRequest, tenant: str, application_id: str, payload: DecisionIn) -> Any:
    """Approve or reject through the workflow's approval or rejection action open to you now. A
    reason is required; a rejection cites the requirement that failed (`failed_requirement`)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    app = selectors.application(the_tenant, application_id)
    member = _staff(caller)
    app = services.decide(
        caller.actor, the_tenant, app, member, payload.outcome, payload.reason, payload.failed_requirement
    )
    return _detail(the_tenant, selectors.application(the_tenant, app.pk), staff=True)


# --- tasks -------------------------------------------------------------------------------------


def _task_out(task: Any) -> Any:
    task.sla = selectors.sla_badge(task.due_at)
    return task


@router.get("/t/{tenant}/tasks", response=list[TaskOut], summary="My department's queue")
def list_tasks(request: HttpRequest, tenant: str, breached: bool = False) -> Any:
    """Open tasks of the caller's department (with SLA badges: due, due_soon, overdue). With
    `breached=true` (supervisors, `cases.supervise`): the breach list of the whole tenant."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    if breached:
        caller.require(perms.CASES_SUPERVISE)
        return [_task_out(t) for t in selectors.breaches(the_tenant)[:500]]
    caller.require(perms.CASES_WORK)
    if caller.membership is None:
        return []
    return [_task_out(t) for t in selectors.queue(the_tenant, caller.membership)[:500]]


@router.post("/t/{tenant}/tasks/{task_id}/claim", response=TaskOut, summary="Claim a task")
def claim_task(request: HttpRequest, tenant: str, task_id: str) -> Any:
    """Take a task of your department and role; someone else's claim is a 409."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    task = selectors.task(the_tenant, task_id)
    return _task_out(services.claim(caller.actor, the_tenant, task, _staff(caller)))


@router.post("/t/{tenant}/tasks/{task_id}/assign", response=TaskOut, summary="Assign or reassign a task")
def assign_task(request: HttpRequest, tenant: str, task_id: str, payload: AssignIn) -> Any:
    """Supervisors (`cases.supervise`) hand a task to a colleague who may work on it."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    task = selectors.task(the_tenant, task_id)
    _staff(caller, perms.CASES_SUPERVISE)
    member = accounts.membership(the_tenant, payload.member_id)
    return _task_out(services.assign(caller.actor, the_tenant, task, member))


@router.post("/t/{tenant}/tasks/{task_id}/complete", response=ApplicationDetailOut, summary="Complete a task")
def complete_task(request: HttpRequest, tenant: str, task_id: str, payload: CompleteIn) -> Any:
    """Take a workflow transition on the task's case: `action` must be open to you now (see
    `GET .../actions`); corrections name `items`, rejections cite `failed_requirement`."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    task = selectors.task(the_tenant, task_id)
    member = _staff(caller)
    app = services.act(
        caller.actor,
        the_tenant,
        task.application,
        member,
        payload.action,
        reason=payload.reason,
        items=payload.items,
        failed_requirement=payload.failed_requirement,
    )
    return _detail(the_tenant, selectors.application(the_tenant, app.pk), staff=True)


# --- statistics --------------------------------------------------------------------------------


@router.get("/t/{tenant}/statistics/cases", response=StatisticsOut, summary="Case statistics")
def case_statistics(request: HttpRequest, tenant: str) -> Any:
    """Per service and department: submissions, median and 90th-percentile working days to decision,
    on-time rate, share completed fully online, visits required, documents re-used from the wallet."""
    caller = principal(request)
    caller.require(perms.CASES_SUPERVISE)
    return statistics.compute(tenant_of(request))


# The certificate endpoints live in certificates_api.py (this module had grown past 470 lines).
router.add_router("", certificates_router)
