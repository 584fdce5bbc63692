from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class DocumentOut(Schema):
    id: UUID
    owner_id: UUID
    doc_type: str
    title: str
    file_name: str
    content_type: str
    source: str = Field(description="upload or issued")
    status: str = Field(description="draft (deletable by its owner), filed, deleted or expired")
    issuer_department: str | None = Field(None, description="Code of the issuing department")
    size_bytes: int
    checksum_algorithm: str = Field(description="sha256, or sm3 under the national crypto profile")
    checksum: str = Field(description="Hex digest of the document's content")
    created_at: datetime

    @staticmethod
    def resolve_issuer_department(obj: object) -> str | None:
        department = getattr(obj, "issuer_department", None)
        return department.code if department is not None else None


class LinkOut(Schema):
    url: str = Field(description="Download path; the link itself is the credential, valid until expires_at")
    expires_at: datetime


class DocumentTypeOut(Schema):
    code: str
    name_zh: str
    name_en: str
    retention_days: int | None = Field(description="Days kept after storing; null: indefinitely")
    overridden: bool


class RetentionIn(Schema):
    code: str
    retention_days: int | None = Field(None, ge=1)
    name_zh: str = Field("", max_length=100)
    name_en: str = Field("", max_length=100)


class StorageUsageOut(Schema):
    used_bytes: int
    quota_bytes: int
    max_upload_bytes: int
    documents: int


class UploadLimitIn(Schema):
    max_upload_bytes: int | None = Field(None, ge=1, description="null: the platform default")
