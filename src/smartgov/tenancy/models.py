"""The tenant tree (platform > province > city > agency) and what every tenant-owned row shares."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7


class Tenant(models.Model):
    """A government on the platform. Not tenant-owned itself: the operator lists all of them."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        AGENCY = "agency", _("Agency")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ARCHIVED = "archived", _("Archived")

    class CryptoProfile(models.TextChoices):
        INTL = "intl", _("International (AES-GCM, SHA-256, Ed25519)")
        GM = "gm", _("National (SM4-GCM, SM3, SM2)")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    slug = models.SlugField(max_length=40, unique=True)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    crypto_profile = models.CharField(max_length=8, choices=CryptoProfile.choices, default=CryptoProfile.INTL)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    reference_prefix = models.CharField(max_length=6, help_text=_("Prefix of citizen-facing references"))
    wrapped_data_key = models.BinaryField(editable=False)
    quota_users = models.PositiveIntegerField(default=100_000)
    quota_storage_bytes = models.PositiveBigIntegerField(default=50 * 1024**3)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def display_name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class TenantOwned(models.Model):
    """Base of every tenant-owned table: the ``tenant`` key that both guards (selectors and
    row-level security) filter on. Reads go through selectors that take the tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class Department(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.SlugField(max_length=40)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="department_code_unique")]

    def __str__(self) -> str:
        return self.code

    def display_name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh
