"""API input and output of the catalogue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

VALIDITY = ("How long a certificate issued under this version is valid, in calendar months (60 = five years); "
            "null: certificates do not expire")


class RequiredDocument(Schema):
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    optional: bool = False
    note: str = Field("", max_length=500)


class ServiceIn(Schema):
    code: str = Field(max_length=40, description="Unique in the tenant: lowercase letters, digits, '-'")
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    department: str = Field(description="Code of the owning department, e.g. `market-regulation`")
    description_zh: str = ""
    description_en: str = ""
    eligibility_zh: str = ""
    eligibility_en: str = ""
    required_documents: list[RequiredDocument] = Field(default_factory=list)
    delivery_mode: str = Field("online", description="online, one_visit or in_person")
    fee_kind: str = Field("none", description="none, fixed or computed")
    fee_fen: int = Field(0, ge=0, description="A fixed fee in fen (integer minor units)")
    time_limit_days: int = Field(20, ge=1, le=365, description="Legal time limit in working days")
    certificate_validity_months: int | None = Field(60, ge=1, le=600, description=VALIDITY)


class ServicePatchIn(Schema):
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    department: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    eligibility_zh: str | None = None
    eligibility_en: str | None = None
    required_documents: list[RequiredDocument] | None = None
    delivery_mode: str | None = None


class DraftIn(Schema):
    """Only what is given changes; each part given is checked whole."""

    form_fields: list[dict[str, Any]] | None = Field(None, description="The form builder's field list")
    form_sections: list[dict[str, Any]] | None = Field(None, description="[{id, label: {zh, en}}]")
    workflow: str | dict[str, Any] | None = Field(None, description="Workflow definition: YAML/JSON text or object")
    fee_kind: str | None = None
    fee_fen: int | None = Field(None, ge=0)
    fee_rule: str | None = Field(None, max_length=100)
    time_limit_days: int | None = Field(None, ge=1, le=365)
    certificate_validity_months: int | None = Field(
        None, ge=1, le=600, description=f"{VALIDITY}. Sent as null it means no expiry; left out, it stays as it is")


class RetireIn(Schema):
    reason: str = Field("", max_length=500)


class ServiceOut(Schema):
    id: UUID
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    eligibility_zh: str
    eligibility_en: str
    required_documents: list[dict[str, Any]]
    department: str = Field(alias="department.code")
    department_name_zh: str = Field(alias="department.name_zh")
    department_name_en: str = Field(alias="department.name_en")
    delivery_mode: str
    status: str
    fee_kind: str | None = Field(None, alias="shown_version.fee_kind")
    fee_fen: int | None = Field(None, alias="shown_version.fee_fen")
    time_limit_days: int | None = Field(None, alias="shown_version.time_limit_days")
    certificate_validity_months: int | None = Field(
        None, alias="shown_version.certificate_validity_months", description=VALIDITY)
    current_version_id: UUID | None
    published_at: datetime | None
    updated_at: datetime


class ServiceDetailOut(ServiceOut):
    version_id: UUID | None = Field(None, description="The version whose form is shown")
    version_number: int | None = None
    form_schema: dict[str, Any] = Field(description="JSON Schema (draft 2020-12) of the application form")
    form_ui: dict[str, Any] = Field(description="UI hints: order, sections, labels, widgets, show_if")


class VersionSummaryOut(Schema):
    id: UUID
    number: int
    is_published: bool
    is_current: bool
    fee_kind: str
    fee_fen: int
    time_limit_days: int
    certificate_validity_months: int | None = Field(description=VALIDITY)
    created_at: datetime
    published_at: datetime | None
    published_by: str

    @staticmethod
    def resolve_is_current(obj: Any) -> bool:
        return bool(obj.service.current_version_id == obj.pk)


class VersionOut(VersionSummaryOut):
    service_id: UUID
    form_fields: list[dict[str, Any]]
    form_sections: list[dict[str, Any]]
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]
    workflow: dict[str, Any]
    workflow_source: str
    fee_rule: str


class SubmissionIn(Schema):
    data: dict[str, Any] = Field(description="The application form's answers")


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class SubmissionCheckOut(Schema):
    valid: bool
    errors: list[FieldErrorOut]


class WorkflowCheckIn(Schema):
    source: str | dict[str, Any] = Field(description="Workflow definition: YAML/JSON text or object")


class ProblemOut(Schema):
    field: str = Field(description="Where, e.g. transitions[3].to")
    message: str


class WorkflowCheckOut(Schema):
    valid: bool
    problems: list[ProblemOut]
    definition: dict[str, Any] | None = None


class CalendarDayOut(Schema):
    date: date
    is_working_day: bool
    name: str
    source: str = Field(description="official (State Council schedule) or tenant (this tenant's own day)")


class CalendarOut(Schema):
    year: int
    days: list[CalendarDayOut] = Field(description="Days that differ from Monday-Friday work")


class CalendarChange(Schema):
    date: date
    is_working_day: bool | None = Field(description="true/false sets the day; null returns it to the official schedule")
    note: str = Field("", max_length=200)


class CalendarEditIn(Schema):
    changes: list[CalendarChange] = Field(max_length=366)


class DeadlineOut(Schema):
    start: date
    working_days: int
    deadline: date
