"""Staff-side extras of case work: internal notes, audited reveal of personal data, escalation of
breached steps, deadline-approaching notices, and payment follow-up."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor, record
from smartgov.cases import ports
from smartgov.cases.models import Application, InternalNote, Task
from smartgov.cases.services import _common as common
from smartgov.cases.services import applying
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput, NotFound
from smartgov.tenancy.models import Tenant

DEADLINE_WARNING_WORKING_DAYS = 2


@transaction.atomic
def add_note(actor: Actor, tenant: Tenant, app: Application, author: accounts.Membership, text: str) -> InternalNote:
    text = text.strip()
    if not text:
        raise InvalidInput.for_field("text", _("A note needs some text."))
    note = InternalNote.objects.create(tenant=tenant, application=app, author=author, text=text, created_at=clock.now())
    record(actor=actor, tenant=tenant, action="application.note", obj=app, changes={"note": str(note.pk)})
    return note


@transaction.atomic
def reveal(actor: Actor, tenant: Tenant, app: Application, field: str) -> str:
    """Decrypt one personal field of the application's form for staff; every reveal is audited."""
    data = common.unseal(tenant, app)
    version = ports.version(tenant, app.service_version_id)
    if field not in ports.personal_fields(version.form_schema) or field not in data:
        raise NotFound(_("No personal field %(field)s on this application.") % {"field": field})
    record(actor=actor, tenant=tenant, action="personal_data.reveal", obj=app, changes={"field": field})
    common.event(app, "revealed", actor, field, internal=True)
    return str(data[field])


def escalate_breaches(tenant: Tenant) -> int:
    """Mark open tasks past their due time as breached and apply the state's breach rule once:
    escalate to the named supervisor role and notify the parties it lists. Returns how many."""
    now = clock.now()
    count = 0
    overdue = Task.objects.filter(tenant=tenant, status=Task.Status.OPEN, breached_at__isnull=True, due_at__lt=now)
    for task_id in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            task = (
                Task.objects.select_for_update(of=("self",)).select_related("application", "claimed_by").get(pk=task_id)
            )
            if task.breached_at is not None or task.status != Task.Status.OPEN:
                continue
            app = task.application
            version = ports.version(tenant, app.service_version_id)
            rule = ports.breach(version, task.step)
            task.breached_at = now
            if rule is not None and rule.escalate_to:
                task.escalated_to = rule.escalate_to
            task.save(update_fields=["breached_at", "escalated_to"])
            actor = Actor.system("sla")
            common.event(app, "breached", actor, task.escalated_to or task.step, internal=True)
            record(
                actor=actor,
                tenant=tenant,
                action="task.breach",
                obj=task,
                changes={"step": task.step, "escalated_to": task.escalated_to},
            )
            # The notices app has no staff-facing breach event: the deadline notice carries the action.
            context = {
                "reference": app.reference,
                "service": app.service_name_zh,
                "deadline": app.deadline,
                "action": _("Step %(step)s is overdue: escalated.") % {"step": task.step},
            }
            link = f"/{tenant.slug}/cases/work/{app.pk}"
            notify = set(rule.notify) if rule is not None else set()
            if "assignee" in notify and task.claimed_by is not None:
                common.notify_after_commit(tenant, task.claimed_by, "deadline_approaching", context, link)
            if task.escalated_to or "supervisor" in notify:
                role = task.escalated_to or "supervisor"
                for member in accounts.Membership.objects.filter(
                    tenant=tenant, is_active=True, roles__code=role
                ).distinct():
                    common.notify_after_commit(tenant, member, "deadline_approaching", context, link)
            count += 1
    return count


def notify_deadlines(tenant: Tenant) -> int:
    """Tell applicants (once) when their case's legal deadline is near and it is still open."""
    today = common.local_date(tenant)
    horizon = ports.add_working_days(tenant, today, DEADLINE_WARNING_WORKING_DAYS)
    count = 0
    due = Application.objects.filter(
        tenant=tenant, status__in=Application.OPEN, deadline__lte=horizon, deadline_notice_sent=False
    ).select_related("applicant")
    for app in due:
        with transaction.atomic():
            Application.objects.filter(pk=app.pk).update(deadline_notice_sent=True)
            common.notify_after_commit(
                tenant,
                app.applicant,
                "deadline_approaching",
                {
                    "reference": app.reference,
                    "service": app.service_name_zh,
                    "deadline": app.deadline,
                    "action": _("We are working on it; you will hear from us before the deadline."),
                },
                common.applicant_link(app),
            )
        count += 1
    return count


def settle_payments(tenant: Tenant) -> int:
    """Move cases whose bill is paid out of awaiting_payment (billing's status is the truth)."""
    moved = 0
    waiting = Application.objects.filter(
        tenant=tenant, status=Application.Status.AWAITING_PAYMENT, bill_id__isnull=False
    )
    for app in waiting:
        if app.bill_id is not None and ports.bill_paid(tenant, app.bill_id):
            applying.payment_settled(Actor.system("billing"), tenant, app)
            moved += 1
    return moved


def due_soon_cutoff() -> timedelta:
    return timedelta(days=1)


def payment_received(tenant: Tenant, application_id: str) -> None:
    """Billing says the application's bill is paid (its signal, or the poll above)."""
    app = Application.objects.filter(tenant=tenant, pk=application_id).first()
    if app is not None and app.bill_id is not None and ports.bill_paid(tenant, app.bill_id):
        applying.payment_settled(Actor.system("billing"), tenant, app)
