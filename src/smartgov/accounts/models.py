"""People and their standing in tenants; API clients of agencies' systems."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartgov.kit import clock
from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import Department, Tenant, TenantOwned


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, is_operator=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One login for the whole platform (like a province-wide citizen account). What a person is
    in a given tenant lives in ``Membership``; personal data per tenant lives in ``Profile``."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=100, blank=True)
    # The phone is a login identifier: encrypted under the platform key, found by a blind index.
    phone_cipher = models.TextField(blank=True)
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True)
    phone_masked = models.CharField(max_length=20, blank=True)
    phone_verified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May use the Django admin"))
    is_operator = models.BooleanField(default=False, help_text=_("Platform operator (city IT)"))
    # Staff or administrator somewhere. Kept on the platform-level row because memberships are
    # tenant-owned and hidden by row-level security until a tenant is chosen, while the MFA check
    # must hold before that (on every page and on the API).
    requires_mfa = models.BooleanField(default=False, help_text=_("Staff or administrator in some tenant"))
    language = models.CharField(max_length=10, blank=True)
    # Where the person lands after login (memberships are tenant-owned and hidden by RLS until a
    # tenant is chosen, so the platform-level user row remembers it).
    home_tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_joined = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]  # django-stubs declares it a ClassVar

    def __str__(self) -> str:
        return self.full_name or self.email


class Role(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.SlugField(max_length=40)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    permissions = models.JSONField(default=list)
    is_builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="role_code_unique")]

    def __str__(self) -> str:
        return self.code


class Membership(TenantOwned):
    """A person's standing in one tenant."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Tenant administrator")
        STAFF = "staff", _("Staff")
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    roles = models.ManyToManyField(Role, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique")]

    @property
    def is_staff_kind(self) -> bool:
        return self.kind in (self.Kind.ADMIN, self.Kind.STAFF)


class Profile(TenantOwned):
    """A citizen's or business's personal data in one tenant, encrypted with the tenant's data key.
    ``*_masked`` copies serve lists without decrypting; ``*_index`` serves look-ups by equality."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    membership = models.OneToOneField(Membership, on_delete=models.PROTECT, related_name="profile")
    full_name = models.CharField(max_length=100)
    id_number_cipher = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(max_length=20, blank=True)
    phone_cipher = models.TextField(blank=True)
    phone_masked = models.CharField(max_length=20, blank=True)
    # Businesses: the unified social credit code is public registry data, kept in the clear.
    company_name = models.CharField(max_length=200, blank=True)
    uscc = models.CharField(max_length=18, blank=True, db_index=True)
    updated_at = models.DateTimeField()


class ApiClient(TenantOwned):
    """An agency's system calling the API. The key is shown once; only its SHA-256 is kept (keys
    are 256-bit random, so a slow password hash would add nothing but latency)."""

    # Credentials are looked up before the request's tenant is known (a key for tenant A used on
    # tenant B's path must answer 404, not 401), so this table is exempt from row-level security;
    # selectors still filter it by tenant. tests/architecture keeps the exemption list short.
    rls_exempt_reason = "credential lookup precedes tenant resolution"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Nullable: a platform API client (tenant administration) belongs to no tenant.
    tenant = models.ForeignKey(  # type: ignore[assignment]
        Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    permissions = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
