"""Staff-side extras of case work: internal notes, audited reveal of personal data, escalation of
breached steps, deadline-approaching notices, and payment follow-up."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartgov.accounts import selectors as accounts_selectors
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
    value = _personal_value(version.form_schema, data, field)
    if value is None:
        raise NotFound(_("No personal field %(field)s on this application.") % {"field": field})
    record(actor=actor, tenant=tenant, action="personal_data.reveal", obj=app, changes={"field": field})
    common.event(app, "revealed", actor, field, internal=True)
    return str(value)


GROUP_CELL = re.compile(r"^(?P<group>\w+)\[(?P<index>\d{1,3})\]\.(?P<sub>\w+)$")


def _personal_value(schema: dict[str, Any], data: dict[str, Any], field: str) -> Any:
    """The personal answer ``field`` names: a field, or a repeating group's cell (``owners[0].id_number``)."""
    if field in ports.personal_fields(schema):
        return data.get(field)
    cell = GROUP_CELL.match(field)
    if cell is None or cell["sub"] not in ports.personal_group_fields(schema).get(cell["group"], set()):
        return None
    items = data.get(cell["group"])
    index = int(cell["index"])
    if not isinstance(items, list) or index >= len(items) or not isinstance(items[index], dict):
        return None
    return items[index].get(cell["sub"])


def escalate_breaches(tenant: Tenant) -> int:
    """Mark open tasks past their due time as breached and apply the state's breach rule once:
    escalate to the named role and send ``task_breached`` to the parties it lists (see
    ``breach_recipients``). The mark, the escalation and the in-app notices are one transaction per
    task, and a breached task is never picked again, so a rerun sends nothing twice; e-mail and SMS
    go after the commit. Returns how many tasks breached."""
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
            recipients = breach_recipients(tenant, task, rule)
            record(
                actor=actor,
                tenant=tenant,
                action="task.breach",
                obj=task,
                changes={"step": task.step, "escalated_to": task.escalated_to,
                         "notified": [str(m.pk) for m in recipients]},
            )
            label = ports.state_of(version.workflow, task.step).get("label") or {}
            context = {
                "reference": app.reference,
                "service": common.service_name(app),
                "step": common.Bilingual(label.get("zh") or task.step, label.get("en") or task.step),
                "due": common.local_date(tenant, task.due_at) if task.due_at else None,
                "escalated_to": _role_name(tenant, task.escalated_to),
                "deadline": app.deadline,
            }
            link = f"/{tenant.slug}/cases/work/{app.pk}"
            for member in recipients:
                common.notify_after_commit(tenant, member, "task_breached", context, link)
            count += 1
    return count


BREACH_PARTIES_BY_DEFAULT = ("assignee", "supervisor")  # a state without an on_breach rule still tells someone


def breach_recipients(tenant: Tenant, task: Task, rule: Any) -> list[accounts.Membership]:
    """Who is told of a breach, each person once: the one who claimed the task when the rule
    notifies ``assignee``; the active staff holding each other party named (a role code) and the role
    escalated to; a state with no rule notifies the assignee and the supervisors. Staff of the
    task's department are preferred; when a role has nobody there, the tenant's holders of it are told."""
    parties = list(rule.notify) if rule is not None else list(BREACH_PARTIES_BY_DEFAULT)
    if task.escalated_to and task.escalated_to not in parties:
        parties.append(task.escalated_to)
    found: dict[Any, accounts.Membership] = {}
    if "assignee" in parties and task.claimed_by is not None and task.claimed_by.is_active:
        found[task.claimed_by.pk] = task.claimed_by
    for role in (p for p in parties if p != "assignee"):
        holders = accounts.Membership.objects.filter(tenant=tenant, is_active=True, roles__code=role).distinct()
        local = holders.filter(department_id=task.department_id) if task.department_id else holders.none()
        for member in local if local.exists() else holders:
            found.setdefault(member.pk, member)
    return list(found.values())


def _role_name(tenant: Tenant, code: str) -> common.Bilingual | None:
    if not code:
        return None
    role = accounts_selectors.roles(tenant).filter(code=code).first()
    return common.Bilingual(role.name_zh, role.name_en) if role is not None else common.Bilingual(code, code)


def notify_deadlines(tenant: Tenant) -> int:
    """Tell applicants (once) when their case's legal deadline is near and it is still open. When the
    case waits for them (a correction, a fee), the notice says what they must do."""
    today = common.local_date(tenant)
    horizon = ports.add_working_days(tenant, today, DEADLINE_WARNING_WORKING_DAYS)
    count = 0
    due = Application.objects.filter(
        tenant=tenant, status__in=Application.OPEN, deadline__lte=horizon, deadline_notice_sent=False
    ).select_related("applicant")
    for app in due:
        with transaction.atomic():
            # The flag is set in the same transaction as the notice: a rerun finds nothing to send.
            if not Application.objects.filter(pk=app.pk, deadline_notice_sent=False).update(deadline_notice_sent=True):
                continue
            common.notify_after_commit(
                tenant,
                app.applicant,
                "deadline_approaching",
                {
                    "reference": app.reference,
                    "service": common.service_name(app),
                    "deadline": app.deadline,
                    "action": APPLICANT_ACTIONS.get(app.status, ""),
                },
                common.applicant_link(app),
            )
        count += 1
    return count


# What the applicant must do when the case waits for them (rendered in the applicant's language);
# a case with staff asks nothing of them.
APPLICANT_ACTIONS: dict[str, Any] = {
    Application.Status.AWAITING_CORRECTION: gettext_lazy("submit the corrections asked for"),
    Application.Status.AWAITING_PAYMENT: gettext_lazy("pay the fee"),
}


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
