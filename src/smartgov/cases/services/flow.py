"""Case work driven by the service version's workflow: tasks opened on entering a state (one per
department for parallel sign-off), actions taken through the catalogue's engine, corrections,
decisions, and the clock (deadlines in working days, paused while the applicant has the case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor, record
from smartgov.cases import ports
from smartgov.cases.models import Application, Decision, Task
from smartgov.cases.services import _common as common
from smartgov.kit import clock, statements
from smartgov.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from smartgov.tenancy.models import Department, Tenant

# Staff may act while the case is with them, and on a case waiting for a correction (e.g. to close
# it when the applicant let the correction period lapse).
WITH_STAFF = (Application.Status.SUBMITTED, Application.Status.IN_PROGRESS, Application.Status.AWAITING_CORRECTION)


def _department(tenant: Tenant, code: str | None, fallback_id: UUID | None) -> UUID | None:
    """The department a task goes to: the one the workflow names by code, else the service's own
    (its id comes from the tenant's service version: no look-up needed)."""
    if code:
        found = _DEPARTMENT_BY_CODE.rows(tenant=tenant.pk, code=code)
        if found:
            return found[0][0]
    return fallback_id


def staff_roles(definition: dict, state: str) -> list[str]:
    """Roles of staff who can move a case out of ``state`` (the applicant's own actions aside)."""
    roles: list[str] = []
    for t in definition["transitions"]:
        if t["from"] == state:
            roles += [r for r in t["roles"] if r != common.APPLICANT_ROLE and r not in roles]
    return roles


def _due(tenant: Tenant, days: int | None) -> datetime | None:
    if not days:
        return None
    return common.end_of_day(tenant, ports.add_working_days(tenant, common.local_date(tenant), days))


def enter_state(tenant: Tenant, app: Application, version: ports.Version, state_id: str) -> None:
    """Open the tasks of the state the case just entered."""
    definition = version.workflow
    state = ports.state_of(definition, state_id)
    if state["kind"] == "final":
        return
    # A step without its own time limit is due by the case's legal deadline.
    due = _due(tenant, state.get("time_limit_days"))
    if due is None and app.deadline is not None:
        due = common.end_of_day(tenant, app.deadline)
    now = clock.now()
    signoff = state.get("signoff")
    if signoff and ports.missing_signoffs(definition, state_id, frozenset(app.signoffs)):
        for code in ports.missing_signoffs(definition, state_id, frozenset(app.signoffs)):
            _INSERT_TASK(Task(
                tenant=tenant,
                application=app,
                step=state_id,
                group=state_id,
                department_id=_department(tenant, code, None),
                role=",".join(signoff["roles"]),
                due_at=due,
                created_at=now,
            ))
        return
    roles = staff_roles(definition, state_id)
    if roles:
        _INSERT_TASK(Task(
            tenant=tenant,
            application=app,
            step=state_id,
            department_id=_department(tenant, state.get("department"), version.department_id),
            role=",".join(roles),
            due_at=due,
            created_at=now,
        ))


_INSERT_TASK = statements.Insert(Task)  # every submission opens one (kit.statements)
_DEPARTMENT_BY_CODE = statements.Query(
    lambda tenant, code: Department.objects.filter(tenant_id=tenant, code=code).values_list("pk"),
    tenant=UUID,
    code=str,
)


# Final outcomes that refuse what was asked; any other (approved, issued, recorded, ...) grants it.
REFUSALS = frozenset({"rejected", "refused", "denied", "not_approved"})


def _granted(outcome: str | None, transition_kind: str | None) -> bool:
    """Whether a final state grants the application: by its outcome code when it has one (a filing
    that ends "recorded" is granted), else by the kind of transition that reached it."""
    if outcome:
        return outcome not in REFUSALS
    return transition_kind == "approval"


def close_tasks(app: Application, *, cancelled: bool, done_by: Task | None = None, outcome: str = "") -> None:
    now = clock.now()
    for task in Task.objects.filter(application=app, status=Task.Status.OPEN):
        if done_by is not None and task.pk == done_by.pk:
            task.status, task.outcome = Task.Status.DONE, outcome
        else:
            task.status = Task.Status.CANCELLED if cancelled or done_by is not None else Task.Status.DONE
        task.completed_at = now
        task.save(update_fields=["status", "outcome", "completed_at"])


def _may_work(member: accounts.Membership, task: Task) -> bool:
    roles = common.roles_of(member)
    if "supervisor" in roles or (task.escalated_to and task.escalated_to in roles):
        return True
    if not roles & set(task.role.split(",")):
        return False
    return task.department_id is None or task.department_id == member.department_id


# --- claiming ----------------------------------------------------------------------------------


@transaction.atomic
def claim(actor: Actor, tenant: Tenant, task: Task, member: accounts.Membership) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk, tenant=tenant)
    if task.status != Task.Status.OPEN:
        raise Conflict(_("This task is closed."), code="task_closed")
    if task.claimed_by_id and task.claimed_by_id != member.pk:
        raise Conflict(_("Someone else has claimed this task."), code="task_claimed")
    if not _may_work(member, task):
        raise Forbidden(_("This task is for another department or role."), code="not_your_task")
    task.claimed_by = member
    task.save(update_fields=["claimed_by"])
    common.event(task.application, "claimed", actor, task.step, internal=True)
    record(actor=actor, tenant=tenant, action="task.claim", obj=task)
    return task


@transaction.atomic
def assign(actor: Actor, tenant: Tenant, task: Task, member: accounts.Membership) -> Task:
    """A supervisor assigns (or reassigns) a task to someone who may work on it."""
    task = Task.objects.select_for_update().get(pk=task.pk, tenant=tenant)
    if task.status != Task.Status.OPEN:
        raise Conflict(_("This task is closed."), code="task_closed")
    if member.tenant_id != tenant.pk or not member.is_staff_kind or not _may_work(member, task):
        raise InvalidInput.for_field("member_id", _("This person cannot work on this task."))
    before = str(task.claimed_by_id or "")
    task.claimed_by = member
    task.save(update_fields=["claimed_by"])
    common.event(task.application, "assigned", actor, member.user.email, internal=True)
    record(actor=actor, tenant=tenant, action="task.assign", obj=task, changes={"claimed_by": [before, str(member.pk)]})
    return task


# --- acting ------------------------------------------------------------------------------------


def available_actions(tenant: Tenant, app: Application, member: accounts.Membership | None) -> list[Any]:
    """What ``member`` may do with the case now (empty when it is not with staff)."""
    if member is None or app.status not in WITH_STAFF:
        return []
    version = ports.version(tenant, app.service_version_id)
    return ports.available_actions(
        version, app.state, common.roles_of(member), frozenset(app.signoffs), common.department_code(member)
    )


def _resume_clock(tenant: Tenant, app: Application) -> None:
    """Leaving a state that stopped the clock: the deadline moves by the working days it stood still."""
    if app.paused_since is None:
        return
    if app.deadline is not None:
        paused = ports.working_days_between(
            tenant, common.local_date(tenant, app.paused_since), common.local_date(tenant)
        )
        if paused > 0:
            app.deadline = ports.add_working_days(tenant, app.deadline, paused)
    app.paused_since = None


def _finish(tenant: Tenant, app: Application, status: str) -> None:
    now = clock.now()
    app.status = status
    app.completed_at = now
    if app.submitted_at is not None:
        app.processing_days = ports.working_days_between(
            tenant, common.local_date(tenant, app.submitted_at), common.local_date(tenant, now)
        )
        app.on_time = app.deadline is None or common.local_date(tenant, now) <= app.deadline


@transaction.atomic
def act(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    member: accounts.Membership,
    action: str,
    *,
    reason: str = "",
    items: list[str] | None = None,
    failed_requirement: str = "",
) -> Application:
    """Take a workflow action the member's roles allow now: accept, forward, sign off, ask for a
    correction (naming the items), approve or reject (with a reason; a rejection cites the failed
    requirement). Approval issues the certificate when the service grants one."""
    app = Application.objects.select_for_update().get(pk=app.pk, tenant=tenant)
    if app.status not in WITH_STAFF:
        raise Conflict(
            _("This case is not with staff now (%(status)s).") % {"status": app.status}, code="not_with_staff"
        )
    version = ports.version(tenant, app.service_version_id)
    dept = common.department_code(member)
    try:
        step = ports.apply(version, app.state, action, common.roles_of(member), frozenset(app.signoffs), dept, reason)
    except Conflict as exc:
        # The engine's refusals: a name the workflow does not know is bad input naming the field;
        # an action not open to this person is forbidden; waiting for sign-offs stays a conflict.
        if exc.code == "unknown_action":
            raise InvalidInput.for_field("action", exc.message, code="unknown_action") from None
        if exc.code == "action_not_allowed":
            raise Forbidden(exc.message, code=exc.code) from None
        raise
    open_tasks = list(Task.objects.filter(application=app, status=Task.Status.OPEN))
    mine = next((t for t in open_tasks if t.claimed_by_id == member.pk), None) or next(
        (
            t
            for t in open_tasks
            if _may_work(member, t)
            and (step.transition_kind != ports.SIGN_OFF or t.department_id == member.department_id)
        ),
        None,
    )
    if mine is None:
        raise Forbidden(_("No open task of this case is yours to act on."), code="not_your_task")
    if step.transition_kind == "correction":
        items = [i.strip() for i in (items or []) if i.strip()]
        if not items:
            raise InvalidInput.for_field("items", _("Name the items the applicant must correct."))
        known = set((version.form_schema.get("properties") or {}).keys()) | {
            d["code"] for d in version.required_documents
        }
        unknown = [i for i in items if i not in known]
        if unknown:
            raise InvalidInput.for_field(
                "items", _("Not items of this form: %(items)s") % {"items": ", ".join(unknown)}
            )
    if step.transition_kind == "rejection" and not failed_requirement.strip():
        raise InvalidInput.for_field("failed_requirement", _("A rejection must cite the requirement that failed."))
    from_state = app.state
    now = clock.now()
    if step.transition_kind == ports.SIGN_OFF:
        close_tasks_one(mine, ports.SIGN_OFF)
        app.signoffs = sorted(step.signoffs)
        app.status = Application.Status.IN_PROGRESS
        app.updated_at = now
        app.save(update_fields=["signoffs", "status", "updated_at"])
        if not ports.missing_signoffs(version.workflow, app.state, frozenset(app.signoffs)):
            enter_state(tenant, app, version, app.state)
        common.event(app, "sign_off", actor, reason or dept or "", from_state=from_state, to_state=from_state)
        record(actor=actor, tenant=tenant, action="application.sign_off", obj=app, changes={"department": dept})
        return app
    close_tasks(app, cancelled=False, done_by=mine, outcome=action)
    _resume_clock(tenant, app)
    app.state, app.signoffs, app.updated_at = step.state, [], now
    context = {"reference": app.reference, "service": common.service_name(app)}
    if step.transition_kind == "correction":
        app.status = Application.Status.AWAITING_CORRECTION
        app.correction_items, app.correction_message = ports.with_dependents(version, items or []), reason
        if step.pauses_clock:
            app.paused_since = now
        common.notify_after_commit(
            tenant,
            app.applicant,
            "correction_requested",
            {
                **context,
                "items": common.field_labels(version, items or []),
                "deadline": app.deadline,
                "message": reason,
            },
            common.applicant_link(app),
        )
    elif step.is_final:
        granted = _granted(step.outcome, step.transition_kind)
        _finish(tenant, app, Application.Status.APPROVED if granted else Application.Status.REJECTED)
        Decision.objects.create(
            tenant=tenant,
            application=app,
            outcome=Decision.Outcome.APPROVE if granted else Decision.Outcome.REJECT,
            reason=reason or _("Approved"),
            failed_requirement=failed_requirement.strip(),
            decided_by=member,
            decided_at=now,
        )
        common.notify_after_commit(
            tenant,
            app.applicant,
            "decision_made",
            {**context, "approved": "yes" if granted else "", "reason": reason},
            common.applicant_link(app),
        )
    else:
        app.status = Application.Status.IN_PROGRESS
        if step.pauses_clock:
            app.paused_since = now
    app.save()
    if not step.is_final:
        enter_state(tenant, app, version, app.state)
    common.event(app, action, actor, reason, from_state=from_state, to_state=app.state)
    record(
        actor=actor,
        tenant=tenant,
        action=f"application.{step.transition_kind}",
        obj=app,
        changes={
            "action": action,
            "from": from_state,
            "to": app.state,
            "items": items or [],
            "failed_requirement": failed_requirement,
        },
    )
    if app.status == Application.Status.APPROVED and version.issues_certificate:
        from smartgov.cases.services import certificates

        certificates.issue(actor, tenant, app, version)
    return app


def close_tasks_one(task: Task, outcome: str) -> None:
    task.status, task.outcome, task.completed_at = Task.Status.DONE, outcome, clock.now()
    task.save(update_fields=["status", "outcome", "completed_at"])


def resubmit(actor: Actor, tenant: Tenant, app: Application, version: ports.Version) -> None:
    """The applicant's side of a correction: take the applicant's action out of the waiting state."""
    actions = ports.available_actions(version, app.state, {common.APPLICANT_ROLE})
    if not actions:
        raise Conflict(_("The workflow offers the applicant no way back from here."), code="no_applicant_action")
    step = ports.apply(version, app.state, actions[0].action, {common.APPLICANT_ROLE})
    from_state = app.state
    _resume_clock(tenant, app)
    app.state, app.signoffs = step.state, []
    app.status = Application.Status.IN_PROGRESS
    app.updated_at = clock.now()
    app.save()
    close_tasks(app, cancelled=True)
    enter_state(tenant, app, version, app.state)
    common.event(app, "resubmitted", actor, _("Corrected and resubmitted"), from_state=from_state, to_state=app.state)


def task_for(tenant: Tenant, task_id: UUID | str) -> Task:
    try:
        return Task.objects.select_related("application").get(tenant=tenant, pk=task_id)
    except (Task.DoesNotExist, ValueError):
        raise NotFound(_("No such task.")) from None


def decide(
    actor: Actor,
    tenant: Tenant,
    app: Application,
    member: accounts.Membership,
    outcome: str,
    reason: str,
    failed_requirement: str = "",
) -> Application:
    """Approve or reject through the workflow's approval/rejection action open to the member now."""
    kind = {"approve": "approval", "reject": "rejection"}.get(outcome)
    if kind is None:
        raise InvalidInput.for_field("outcome", _("outcome must be approve or reject"))
    if not reason.strip():
        raise InvalidInput.for_field("reason", _("A decision needs a reason."))
    app = Application.objects.get(pk=app.pk, tenant=tenant)  # decide on the case as it stands now
    action = next((a for a in available_actions(tenant, app, member) if a.kind == kind), None)
    if action is None:
        raise Forbidden(
            _("The workflow does not let you %(outcome)s this case now.") % {"outcome": outcome},
            code="action_not_allowed",
        )
    return act(actor, tenant, app, member, action.action, reason=reason, failed_requirement=failed_requirement)
