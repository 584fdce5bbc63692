from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


class TenantIn(Schema):
    slug: str = Field(description="URL name, e.g. `lishui`; lowercase letters, digits, '-'", max_length=40)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(description="province, city or agency")
    reference_prefix: str = Field(description="2-6 capital letters, e.g. `LS`", max_length=6)
    parent: str | None = Field(None, description="Slug of the parent tenant")
    crypto_profile: str = Field("intl", description="intl (AES-GCM, Ed25519) or gm (SM4-GCM, SM3, SM2)")
    quota_users: int = Field(100_000, ge=1)
    quota_storage_bytes: int = Field(50 * 1024**3, ge=0)


class TenantOut(Schema):
    id: UUID
    slug: str
    name_zh: str
    name_en: str
    kind: str
    parent: str | None = Field(None, alias="parent.slug")
    status: str
    crypto_profile: str
    reference_prefix: str
    quota_users: int
    quota_storage_bytes: int
    created_at: datetime


class TenantHealthOut(Schema):
    slug: str
    status: str
    members: int
    quota_users: int
    audit_events: int
    last_activity: datetime | None


class StatusChangeIn(Schema):
    reason: str = Field("", max_length=500)


class DepartmentIn(Schema):
    code: str = Field(max_length=40, description="e.g. `tax-bureau`")
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class DepartmentRenameIn(Schema):
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class DepartmentOut(BaseModel):
    # A plain pydantic model, not a ninja Schema: Schema wraps every row in a Django-attribute
    # getter, which is most of the cost of a long list (bench/api_overhead.py).
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    code: str
    name_zh: str
    name_en: str
