"""API shapes of receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema


class ReceiptOut(Schema):
    id: UUID
    number: str
    payment_id: UUID
    amount_fen: int
    currency: str
    amount_in_words: str
    issued_at: datetime
    content: dict[str, Any]
    signature_algorithm: str
    public_key: str
    signature: str
    verify_url: str
    pdf_url: str


class ReceiptVerificationOut(Schema):
    valid: bool
    reason: str
    number: str
    issuer: str
    payer: str
    biller: str
    amount_fen: int
    currency: str
    amount_in_words: str
    issued_at: datetime
