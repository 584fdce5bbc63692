"""Notices: a tenant's wording overrides, each person's channel choices, the in-app inbox, and a
delivery record per channel (so staff can see what reached whom, and what failed)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class NoticeTemplate(TenantOwned):
    """A tenant's own wording for one event in one language (else the shipped default)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    event = models.CharField(max_length=40)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sms = models.CharField(max_length=500)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event", "language"], name="notice_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.language}"


class Preference(TenantOwned):
    """A person's channels in one tenant; in-app messages are always on."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    membership = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "membership"], name="notice_preference_unique")]

    def __str__(self) -> str:
        return f"{self.membership_id}: email={self.email} sms={self.sms}"


class Message(TenantOwned):
    """One notice to one person: what their inbox shows, rendered once in their language."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    recipient = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    event = models.CharField(max_length=40)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sms_text = models.CharField(max_length=500)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "recipient", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} -> {self.recipient_id}"


class Delivery(TenantOwned):
    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In-app message")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    address_masked = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The outbox: when a queued e-mail or SMS is next due (the dispatcher claims it then; see
    # delivery.claim_due_deliveries). Empty once it is sent or failed, and for in-app deliveries.
    # The database's default makes a row written without it (by a web process of the release
    # before, during an upgrade) due at once, so the dispatcher sends it.
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_default=Now())

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"]),
            models.Index(fields=["tenant", "next_attempt_at"], name="notices_delivery_due",
                         condition=models.Q(status="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.status}"


class PendingNotice(TenantOwned):
    """A notice said but not yet written: the outbox row a request leaves when a broker runs the
    background work (services.notify). The dispatcher turns it into the recipient's message and
    deliveries and deletes it, in one transaction (services.write_pending), so each is written
    exactly once, and a process that dies after the request's commit loses none. One that cannot be
    written is tried again later (``next_try_at``), and given up after a few tries (``next_try_at``
    empty, ``last_error`` says why, audited), so it holds up no other."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    recipient = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    event = models.CharField(max_length=40)
    language = models.CharField(max_length=10)
    # The template's values, as text in ``language`` (dates kept as dates: see services.frozen).
    context = models.JSONField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    next_try_at = models.DateTimeField(null=True, blank=True)  # empty: given up
    tries = models.PositiveSmallIntegerField(default=0)  # failed ones
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "next_try_at"], name="notices_pending_due",
                                condition=models.Q(next_try_at__isnull=False))]

    def __str__(self) -> str:
        return f"{self.event} -> {self.recipient_id} (pending)"
