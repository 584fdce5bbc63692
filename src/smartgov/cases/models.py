"""Applications, the case work on them (tasks, events, notes), decisions and certificates.

An application records the exact catalogue *version* it was made against (never the service's
moving "current" version), so publishing a new version never changes a case in flight. The
catalogue is another app: its version is referenced by id and the few facts the case lists and
statistics need (service code and names, department, delivery mode) are copied at creation, because
published versions are immutable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import Department, TenantOwned


class ReferenceCounter(TenantOwned):
    """The last readable reference number handed out per tenant and year; locked while allocating."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="cases_refcounter_unique")]


class Application(TenantOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_CORRECTION = "awaiting_correction", _("Awaiting correction")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    FINAL = (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN)
    OPEN = (Status.SUBMITTED, Status.IN_PROGRESS, Status.AWAITING_CORRECTION, Status.AWAITING_PAYMENT)

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(max_length=24, blank=True, help_text=_("Readable reference, set on submission"))
    applicant = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    service_id = models.UUIDField()
    service_version_id = models.UUIDField(help_text=_("The exact catalogue version applied for"))
    service_code = models.CharField(max_length=60)
    service_name_zh = models.CharField(max_length=200)
    service_name_en = models.CharField(max_length=200)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery = models.CharField(max_length=20, blank=True, help_text=_("online / one_visit / in_person"))
    # Form answers with personal fields (identity numbers, phones) replaced by masked values; the
    # clear values live only in ``sealed_data``, encrypted with the tenant's data key.
    form_data = models.JSONField(default=dict)
    sealed_data = models.TextField(blank=True)
    state = models.CharField(max_length=60, blank=True, help_text=_("Workflow state"))
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    deadline = models.DateField(null=True, blank=True, help_text=_("Legal deadline (working days, local date)"))
    signoffs = models.JSONField(default=list, blank=True, help_text=_("Departments that signed off this state"))
    paused_since = models.DateTimeField(null=True, blank=True, help_text=_("In a state that stops the clock"))
    correction_items = models.JSONField(default=list, blank=True)
    correction_message = models.TextField(blank=True)
    fee_fen = models.PositiveBigIntegerField(default=0)
    bill_id = models.UUIDField(null=True, blank=True)
    visits_required = models.PositiveSmallIntegerField(default=0)
    submitted_by_agency = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    processing_days = models.PositiveIntegerField(null=True, blank=True, help_text=_("Working days to decision"))
    on_time = models.BooleanField(null=True)
    deadline_notice_sent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "reference"], condition=~models.Q(reference=""), name="cases_reference_unique"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "applicant", "-created_at"], name="cases_app_applicant"),
            models.Index(fields=["tenant", "service_id", "status"], name="cases_app_service"),
        ]

    def __str__(self) -> str:
        return self.reference or str(self.pk)

    def service_name(self, language: str | None) -> str:
        return self.service_name_en if (language or "").startswith("en") else self.service_name_zh

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class Attachment(TenantOwned):
    """A document attached to an application: uploaded for it, or re-used from the wallet."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    requirement = models.CharField(
        max_length=100,
        help_text=_("Which required document or form field it answers (``owners[1].id_copy`` in a group's item)"),
    )
    document_id = models.UUIDField()
    name = models.CharField(max_length=200)
    from_wallet = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]


class Task(TenantOwned):
    """One step of a case for a department and role; parallel sign-offs are sibling tasks sharing
    ``group`` that must all be done before the workflow moves on."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(max_length=60, help_text=_("Workflow state this task works on"))
    group = models.CharField(max_length=60, blank=True, help_text=_("Parallel sign-off group"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40, help_text=_("Role code allowed to act"))
    claimed_by = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    due_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.CharField(max_length=40, blank=True, help_text=_("Role the breach escalated to"))
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=60, blank=True, help_text=_("Transition taken or sign-off given"))

    class Meta:
        ordering = ["due_at", "created_at"]
        indexes = [models.Index(fields=["tenant", "status", "department"], name="cases_task_queue")]


class CaseEvent(TenantOwned):
    """The case's history as the applicant and staff see it (the audit trail is the legal record)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor_label = models.CharField(max_length=200, blank=True)
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60, blank=True)
    message = models.TextField(blank=True)
    internal = models.BooleanField(default=False, help_text=_("Hidden from the applicant"))

    class Meta:
        ordering = ["at"]


class InternalNote(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]


class Decision(TenantOwned):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField()
    failed_requirement = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey("accounts.Membership", null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()


class Certificate(TenantOwned):
    """A signed certificate. ``content`` is the canonical JSON that was signed; ``content_hash`` is
    its digest (SHA-256 or SM3), and the signature, algorithm and public key travel with it so the
    public verification page can check it without any secret."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    holder = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    holder_name = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    granted = models.TextField()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    content = models.TextField(help_text=_("Canonical JSON that was signed"))
    content_hash = models.CharField(max_length=64)
    signature = models.TextField()
    algorithm = models.CharField(max_length=16)
    public_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    document_id = models.UUIDField(null=True, blank=True, help_text=_("The PDF in the holder's wallet"))
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="cases_cert_number_unique")]

    def title(self, language: str | None) -> str:
        return self.title_en if (language or "").startswith("en") else self.title_zh
