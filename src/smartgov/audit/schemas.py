from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class AuditEventOut(Schema):
    id: UUID
    seq: int
    created_at: datetime
    actor_type: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    changes: dict[str, Any]
    request_id: str
    ip: str | None
    hash: str


class AuditFilterIn(Schema):
    actor: str = Field("", description="Actor id (a user's or API client's UUID)")
    object_type: str = Field("", description="e.g. `accounts.profile`")
    object_id: str = ""
    action: str = Field("", description="Action or its prefix, e.g. `personal_data`")
    since: datetime | None = None
    until: datetime | None = None
