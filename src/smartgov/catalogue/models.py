"""Services of the catalogue, their immutable published versions, and the tenant's calendar days."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import Department, TenantOwned

# Five years: what certificates got before services said their own validity (most licences run five years).
DEFAULT_CERTIFICATE_VALIDITY_MONTHS = 60


class FeeKind(models.TextChoices):
    NONE = "none", _("Free of charge")
    FIXED = "fixed", _("Fixed fee")
    COMPUTED = "computed", _("Computed when the application is assessed")


class DeliveryMode(models.TextChoices):
    ONLINE = "online", _("Fully online")
    ONE_VISIT = "one_visit", _("At most one visit")
    IN_PERSON = "in_person", _("In person")


class Service(TenantOwned):
    """A public service in the catalogue. What applications depend on (form, workflow, fee, time
    limit) lives in versions; the service carries what describes it to the public."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.SlugField(max_length=40)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_zh = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    eligibility_zh = models.TextField(blank=True)
    eligibility_en = models.TextField(blank=True)
    # [{"name_zh", "name_en", "optional": bool}]: what the applicant must provide
    required_documents = models.JSONField(default=list)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    delivery_mode = models.CharField(max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.ONLINE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    current_version = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="service_code_unique")]
        indexes = [models.Index(fields=["tenant", "status"], name="service_status_idx")]

    def __str__(self) -> str:
        return self.code

    def display_name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh

    def description(self, language: str | None) -> str:
        return self.description_en if (language or "").startswith("en") else self.description_zh

    def eligibility(self, language: str | None) -> str:
        return self.eligibility_en if (language or "").startswith("en") else self.eligibility_zh


class VersionImmutable(Exception):
    """A published version was about to change: applications in flight depend on it."""


class ServiceVersion(TenantOwned):
    """What an application is made against. A draft is edited in place; once published it never
    changes again (``save`` refuses), so applications that reference it keep their rules."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    form_fields = models.JSONField(default=list, help_text="The builder's field list (re-editable)")
    form_sections = models.JSONField(default=list)
    form_schema = models.JSONField(default=dict, help_text="JSON Schema 2020-12 built from form_fields")
    form_ui = models.JSONField(default=dict)
    workflow = models.JSONField(default=dict)
    workflow_source = models.TextField(blank=True, help_text="The YAML/JSON text as the author wrote it")
    fee_kind = models.CharField(max_length=16, choices=FeeKind.choices, default=FeeKind.NONE)
    fee_fen = models.PositiveBigIntegerField(default=0)
    fee_rule = models.CharField(max_length=100, blank=True, help_text="Billing rule code of a computed fee")
    time_limit_days = models.PositiveIntegerField(help_text="Legal time limit in working days")
    certificate_validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, default=DEFAULT_CERTIFICATE_VALIDITY_MONTHS,
        help_text="How long a certificate issued under this version is valid, in months; empty: it does not expire",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["service", "-number"]
        constraints = [models.UniqueConstraint(fields=["service", "number"], name="service_version_unique")]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.number}"

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> ServiceVersion:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._was_published = instance.published_at is not None
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._was_published:
            raise VersionImmutable(f"version {self.number} of {self.service_id} is published and cannot change")
        super().save(*args, **kwargs)
        self._was_published = self.published_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self._was_published or self.published_at is not None:
            raise VersionImmutable("a published version cannot be deleted")
        return super().delete(*args, **kwargs)

    _was_published = False  # set from the row as loaded; a published row never saves again

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CalendarDay(TenantOwned):
    """A tenant's own working-day decision for one date, winning over the official schedule."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    date = models.DateField()
    is_working_day = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["tenant", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {'work' if self.is_working_day else 'off'}"
