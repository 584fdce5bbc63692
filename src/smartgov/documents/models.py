"""Documents kept for people: their uploads and what departments issued them (certificates,
receipts). The bytes live in object storage, encrypted; these rows say whose they are, what they
are, how to check them and when they go."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class Document(TenantOwned):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        ISSUED = "issued", _("Issued by a department")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # uploaded, not yet used: the owner may delete it
        FILED = "filed", _("Filed")  # attached to an application, or issued: kept until its retention ends
        DELETED = "deleted", _("Deleted")  # tombstone: the owner deleted a draft
        EXPIRED = "expired", _("Expired")  # tombstone: its retention period ended

    LIVE = (Status.DRAFT, Status.FILED)

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    owner = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    doc_type = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    source = models.CharField(max_length=8, choices=Source.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    issuer_department = models.ForeignKey(
        "tenancy.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size_bytes = models.PositiveBigIntegerField(help_text=_("Size of the plaintext"))
    stored_bytes = models.PositiveBigIntegerField(help_text=_("Size in storage (what the quota counts)"))
    checksum_algorithm = models.CharField(max_length=8)  # sha256 or sm3 (the tenant's crypto profile)
    checksum = models.CharField(max_length=64)  # hex digest of the plaintext
    # The file's own key, wrapped by the tenant's data key (envelope encryption): rotating the
    # tenant key re-wraps these small tokens, never the files.
    wrapped_key = models.BinaryField()
    storage_name = models.CharField(max_length=200)
    created_by = models.CharField(max_length=200, blank=True)  # actor label, for staff lists
    created_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "owner", "status"]),
            models.Index(fields=["tenant", "doc_type", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.id})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class DocumentType(TenantOwned):
    """A tenant's override of a built-in document type: its names and retention period."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.CharField(max_length=40)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    retention_days = models.PositiveIntegerField(null=True, blank=True, help_text=_("Empty: kept indefinitely"))
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="document_type_code_unique")]

    def __str__(self) -> str:
        return self.code


class StorageAccount(TenantOwned):
    """One row per tenant: the bytes its live documents take (kept by conditional updates, so two
    concurrent uploads can never both squeeze under the quota) and its upload size limit."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    used_bytes = models.PositiveBigIntegerField(default=0)
    max_upload_bytes = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Largest single upload; empty: the platform default")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="storage_account_tenant_unique")]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.used_bytes}"
