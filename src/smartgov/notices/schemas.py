from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class MessageOut(Schema):
    id: UUID
    event: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class ChannelOut(Schema):
    channel: str = Field(description="in_app, email or sms")
    enabled: bool
    locked: bool = Field(description="true: cannot be changed (in-app is always on; no phone on file for SMS)")
    address: str = Field(description="Masked address the channel sends to")


class PreferencesIn(Schema):
    email: bool
    sms: bool


class MarkedOut(Schema):
    marked: int


class TemplateOut(Schema):
    event: str
    language: str
    subject: str
    body: str
    sms: str
    overridden: bool
    context: list[str] = Field(description="Variables the template can use")


class TemplateIn(Schema):
    event: str
    language: str = Field(description="zh-hans or en")
    subject: str = Field(max_length=300)
    body: str = Field(max_length=5000)
    sms: str = Field(max_length=500)


class TemplateKeyIn(Schema):
    event: str
    language: str


class DeliveryOut(Schema):
    id: UUID
    message_id: UUID
    event: str
    channel: str
    status: str = Field(description="queued, sent or failed")
    address_masked: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None = Field(
        description="When a queued delivery is next tried (a retry after a failed attempt); empty once sent or failed"
    )

    @staticmethod
    def resolve_event(obj: object) -> str:
        return obj.message.event  # type: ignore[attr-defined]

    @staticmethod
    def resolve_next_attempt_at(obj: object) -> datetime | None:
        # Only a queued delivery has a next attempt (rows the release before wrote may say otherwise).
        return obj.next_attempt_at if obj.status == "queued" else None  # type: ignore[attr-defined]


class InboxFilter(Schema):
    unread: bool = False


class DeliveryFilter(Schema):
    status: str = Field("", description="queued, sent or failed")
    channel: str = Field("", description="in_app, email or sms")
    message: str = Field("", description="A message id")
    event: str = ""
