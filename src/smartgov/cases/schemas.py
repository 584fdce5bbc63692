"""API input and output of the cases app."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator


class AttachmentIn(Schema):
    requirement: str = Field(..., min_length=1, max_length=60, description="Required document or file field it answers")
    document_id: UUID = Field(..., description="A document in the applicant's wallet (an upload or an issued one)")


class ApplicationIn(Schema):
    service_id: UUID = Field(..., description="The service; its current published version is used")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Form answers, validated against the version's JSON Schema"
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    submit: bool = Field(True, description="false: keep as a draft (autosave); true: submit now")
    applicant_id: UUID | None = Field(
        None, description="Agencies' systems only (applications.submit_on_behalf): the citizen's membership id"
    )


class AnswersIn(Schema):
    data: dict[str, Any] = Field(default_factory=dict)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class AmendIn(Schema):
    data: dict[str, Any] = Field(default_factory=dict, description="Only the fields staff asked to correct")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=1000)


class AttachmentOut(Schema):
    requirement: str
    document_id: UUID
    name: str
    from_wallet: bool


class EventOut(Schema):
    at: datetime
    kind: str
    actor_label: str
    from_state: str
    to_state: str
    message: str


class DecisionOut(Schema):
    outcome: str
    reason: str
    failed_requirement: str
    decided_at: datetime


class ApplicationOut(Schema):
    id: UUID
    reference: str
    service_id: UUID
    service_version_id: UUID
    service_code: str
    service_name_zh: str
    service_name_en: str
    status: str
    state: str
    deadline: date | None
    form_data: dict[str, Any] = Field(..., description="Answers; personal fields masked")
    correction_items: list[str]
    correction_message: str
    fee_fen: int
    bill_id: UUID | None
    visits_required: int
    submitted_by_agency: str
    created_at: datetime
    submitted_at: datetime | None
    completed_at: datetime | None
    attachments: list[AttachmentOut] = []
    certificate_id: UUID | None = None

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        written = getattr(obj, "written_attachments", None)  # a submission that just wrote them: no re-read
        return list(written) if written is not None else list(obj.attachments.all())

    @staticmethod
    def resolve_certificate_id(obj: Any) -> UUID | None:
        if obj.status != "approved":  # only an approved application has a certificate: no query
            return None
        cert = getattr(obj, "certificate", None) if hasattr(obj, "certificate") else None
        return cert.pk if cert is not None else None


class ApplicationDetailOut(ApplicationOut):
    history: list[EventOut] = []
    decision: DecisionOut | None = None


class TaskOut(Schema):
    id: UUID
    application_id: UUID
    reference: str
    service_code: str
    step: str
    group: str
    department: str | None
    role: str
    claimed_by: str | None
    status: str
    due_at: datetime | None
    sla: str
    breached_at: datetime | None
    escalated_to: str

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return str(obj.application.reference)

    @staticmethod
    def resolve_service_code(obj: Any) -> str:
        return str(obj.application.service_code)

    @staticmethod
    def resolve_department(obj: Any) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_claimed_by(obj: Any) -> str | None:
        return obj.claimed_by.user.email if obj.claimed_by_id else None


class AssignIn(Schema):
    member_id: UUID


class CompleteIn(Schema):
    action: str = Field(..., min_length=1, max_length=60, description="A transition the workflow allows you now")
    reason: str = Field("", max_length=4000, description="Required for rejections and correction requests")
    items: list[str] = Field(default_factory=list, description="Correction requests: the fields/documents to amend")
    failed_requirement: str = Field("", max_length=200, description="Rejections: the requirement that failed")

    @field_validator("action")
    @classmethod
    def _action(cls, value: str) -> str:
        return value.strip()


class ActionOut(Schema):
    action: str
    to: str
    kind: str
    reason_required: bool


class DecisionIn(Schema):
    outcome: str = Field(..., pattern="^(approve|reject)$")
    reason: str = Field(..., min_length=1, max_length=4000)
    failed_requirement: str = Field("", max_length=200)


class CertificateOut(Schema):
    id: UUID
    number: str
    application_id: UUID
    holder_name: str
    title_zh: str
    title_en: str
    granted: str
    valid_from: date
    valid_until: date | None
    content_hash: str
    algorithm: str
    public_key: str
    signature: str
    status: str
    revoked_at: datetime | None
    revoked_reason: str
    issued_at: datetime
    verify_url: str = ""


class RevokeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class VerificationOut(Schema):
    status: str = Field(..., description="valid, revoked, expired, or invalid (the signature does not check)")
    signature_ok: bool
    number: str
    title: str
    holder: str
    issuer: str
    valid_from: str
    valid_until: str | None
    algorithm: str
    public_key: str
    revoked_at: datetime | None
    revoked_reason: str


class StatRowOut(Schema):
    key: str
    name_zh: str
    name_en: str
    submissions: int
    completed: int
    median_days: float | None
    p90_days: float | None
    on_time_rate: float | None
    online_share: float | None
    visits_required: int
    wallet_reuse: int


class StatisticsOut(Schema):
    services: list[StatRowOut]
    departments: list[StatRowOut]
