"""Reads of applications, tasks and certificates: always for one tenant; another tenant's object
is a 404, exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.cases.models import Application, Attachment, CaseEvent, Certificate, InternalNote, Task
from smartgov.kit import clock
from smartgov.kit.errors import NotFound
from smartgov.tenancy.models import Tenant

DUE_SOON = timedelta(days=1)


def _get(qs: QuerySet[Any], pk: UUID | str, what: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError):  # ValueError: not a UUID at all
        raise NotFound(_("No such %(what)s.") % {"what": what}) from None


def applications(tenant: Tenant) -> QuerySet[Application]:
    return Application.objects.filter(tenant=tenant).select_related("applicant__user", "department")


def application(tenant: Tenant, application_id: UUID | str) -> Application:
    return _get(applications(tenant), application_id, _("application"))


def application_of(tenant: Tenant, applicant: accounts.Membership, application_id: UUID | str) -> Application:
    """The applicant's own application; someone else's is a 404 (never a 403)."""
    return _get(applications(tenant).filter(applicant=applicant), application_id, _("application"))


def my_applications(tenant: Tenant, applicant: accounts.Membership) -> QuerySet[Application]:
    return applications(tenant).filter(applicant=applicant).order_by("-created_at")


def by_reference(tenant: Tenant, reference: str) -> Application:
    found = applications(tenant).filter(reference=reference).first()
    if found is None:
        raise NotFound(_("No such application."))
    return found


def attachments(tenant: Tenant, app: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(tenant=tenant, application=app)


def history(tenant: Tenant, app: Application, *, include_internal: bool) -> QuerySet[CaseEvent]:
    qs = CaseEvent.objects.filter(tenant=tenant, application=app)
    return qs if include_internal else qs.filter(internal=False)


def notes(tenant: Tenant, app: Application) -> QuerySet[InternalNote]:
    return InternalNote.objects.filter(tenant=tenant, application=app).select_related("author__user")


# --- tasks -------------------------------------------------------------------------------------


def tasks(tenant: Tenant) -> QuerySet[Task]:
    return Task.objects.filter(tenant=tenant).select_related("application", "department", "claimed_by__user")


def task(tenant: Tenant, task_id: UUID | str) -> Task:
    return _get(tasks(tenant), task_id, _("task"))


def queue(tenant: Tenant, member: accounts.Membership, *, include_claimed_by_others: bool = True) -> QuerySet[Task]:
    """Open tasks of the member's department (or of no department), and those escalated to a role
    they hold; supervisors without a department see the whole tenant's queue."""
    role_codes = list(member.roles.values_list("code", flat=True))
    qs = tasks(tenant).filter(status=Task.Status.OPEN)
    if member.department_id is None and "supervisor" in role_codes:
        scoped = qs
    else:
        scoped = qs.filter(
            Q(department_id=member.department_id) | Q(department__isnull=True) | Q(escalated_to__in=role_codes)
        )
    if not include_claimed_by_others:
        scoped = scoped.filter(Q(claimed_by__isnull=True) | Q(claimed_by=member))
    return scoped.order_by("due_at", "created_at")


def open_tasks(tenant: Tenant, app: Application) -> QuerySet[Task]:
    return tasks(tenant).filter(application=app, status=Task.Status.OPEN)


def breaches(tenant: Tenant) -> QuerySet[Task]:
    """Open tasks past their time limit: the supervisors' breach list."""
    return tasks(tenant).filter(status=Task.Status.OPEN, breached_at__isnull=False).order_by("due_at")


def sla_badge(due_at: datetime | None, now: datetime | None = None) -> str:
    """``overdue``, ``due_soon`` (within a day) or ``due`` (or ``none`` without a time limit)."""
    if due_at is None:
        return "none"
    now = now or clock.now()
    if now > due_at:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "due_soon"
    return "due"


# --- certificates ------------------------------------------------------------------------------


def certificates(tenant: Tenant) -> QuerySet[Certificate]:
    return Certificate.objects.filter(tenant=tenant).select_related("application", "holder__user")


def certificate(tenant: Tenant, certificate_id: UUID | str) -> Certificate:
    return _get(certificates(tenant), certificate_id, _("certificate"))


def my_certificates(tenant: Tenant, holder: accounts.Membership) -> QuerySet[Certificate]:
    return certificates(tenant).filter(holder=holder)


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int
    breached: int
