from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from smartgov.kit import identity


class MemberIn(Schema):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    kind: str = Field(description="admin, staff, citizen or business")
    full_name: str = Field("", max_length=100)
    department: str | None = Field(None, description="Department code (staff)")
    roles: list[str] = Field(default_factory=list, description="Role codes, e.g. `caseworker`")
    password: str | None = Field(
        None, min_length=10, description="Initial password; omit to have them reset it"
    )


class RolesIn(Schema):
    roles: list[str]


class ProfileIn(Schema):
    full_name: str = Field(max_length=100)
    id_number: str = Field("", description="Resident identity number (GB 11643, 18 characters)")
    phone: str = Field("", max_length=20)
    company_name: str = Field("", max_length=200)
    uscc: str = Field("", description="Unified social credit code (GB 32100, 18 characters)")

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str) -> str:
        problem = identity.resident_id_problem(value) if value else None
        if problem:
            raise ValueError(f"resident identity number {problem}")
        return identity.normalise(value)

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        problem = identity.uscc_problem(value) if value else None
        if problem:
            raise ValueError(f"unified social credit code {problem}")
        return identity.normalise(value)


class ProfileOut(Schema):
    id: UUID
    full_name: str
    id_number: str = Field(alias="id_number_masked", description="Masked, e.g. 3311**********1234")
    phone: str = Field(alias="phone_masked")
    company_name: str
    uscc: str


class MemberOut(Schema):
    id: UUID
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    kind: str
    department: str | None = Field(None, alias="department.code")
    roles: list[str]
    is_active: bool
    profile: ProfileOut | None = None
    created_at: datetime

    @staticmethod
    def resolve_roles(obj: object) -> list[str]:
        return sorted(r.code for r in obj.roles.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_profile(obj: object) -> object:
        return getattr(obj, "profile", None)


class RevealIn(Schema):
    field: str = Field(description="id_number or phone")


class RevealOut(Schema):
    field: str
    value: str


class RoleIn(Schema):
    code: str = Field(max_length=40)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    permissions: list[str]


class RoleOut(Schema):
    id: UUID
    code: str
    name_zh: str
    name_en: str
    permissions: list[str]
    is_builtin: bool


class ApiClientIn(Schema):
    name: str = Field(max_length=100)
    permissions: list[str]


class ApiClientOut(Schema):
    id: UUID
    name: str
    key_prefix: str
    permissions: list[str]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiClientCreatedOut(ApiClientOut):
    key: str = Field(description="The API key. Shown once: store it now.")


class MeOut(Schema):
    actor_type: str
    actor_id: str
    label: str
    permissions: list[str]
