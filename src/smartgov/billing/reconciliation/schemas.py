"""API shapes of reconciliation and the finance reports."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class StatementIn(Schema):
    channel: str = Field(max_length=40)
    day: date | None = None  # default: the day every line settles on
    filename: str = Field(default="", max_length=255)
    content_base64: str = Field(description="The statement file as the channel delivered it, base64-encoded")


class FetchStatementIn(Schema):
    channel: str = Field(max_length=40)
    day: date


class ResolveIn(Schema):
    reason: str = Field(max_length=1000)


class DifferenceOut(Schema):
    id: UUID
    kind: str
    reference: str
    line: int | None
    ours_fen: int | None
    theirs_fen: int | None
    state: str
    resolution: str
    resolved_by: str
    resolved_at: datetime | None


class StatementOut(Schema):
    id: UUID
    channel: str
    day: date
    filename: str
    sha256: str
    lines: int
    matched: int
    payments_fen: int
    refunds_fen: int
    fees_fen: int
    net_fen: int
    state: str
    open_differences: int
    imported_at: datetime
    closed_at: datetime | None
    differences: list[DifferenceOut]


class RecheckOut(Schema):
    cleared: int
    added: int
    open: int


class CollectionRowOut(Schema):
    day: date
    biller: str
    channel: str
    payments: int
    collected_fen: int
    refunded_fen: int
    net_fen: int


class AgeingRowOut(Schema):
    biller: str
    bills: int
    buckets: dict[str, int]
    total_fen: int
