"""API input and output of the billing app. Amounts are integer fen (JSON integers, never floats or
strings: a float is refused with 422 naming the field)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictInt, StrictStr


class LineIn(Schema):
    item: str = Field(min_length=1, max_length=200)
    quantity: StrictInt | StrictStr = Field(description='An integer or a decimal string with ≤ 3 decimals, e.g. "12.5"')
    unit_price_fen: StrictInt = Field(description="Unit price in fen (integer)")


class BillIn(Schema):
    biller: str = Field(description="The billing department's code, e.g. `water`")
    payer_id: UUID = Field(description="The payer's membership id (a citizen or business of this tenant)")
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    due_date: date
    title: str = Field("", max_length=200)
    source_type: str = Field("", max_length=40, description="What the bill is for, e.g. `case`")
    source_id: str = Field("", max_length=64, description="The id of that; a bill per source (idempotent)")


class LineOut(Schema):
    position: int
    kind: str
    item: str
    quantity: str
    unit_price_fen: int
    amount_fen: int
    accrued_on: date | None = None


class BillOut(Schema):
    id: UUID
    payment_code: str
    biller: str
    payer_id: UUID
    payer_name_masked: str
    title: str
    currency: str
    total_fen: int
    paid_fen: int = Field(description="Net of refunds")
    outstanding_fen: int
    credited_fen: int
    due_date: date
    state: str
    issued_at: datetime
    paid_at: datetime | None
    source_type: str
    source_id: str
    lines: list[LineOut]


class PublicBillOut(Schema):
    """What anyone holding the payment code may see: the payer's name masked."""

    payment_code: str
    biller_name: str
    payer_name_masked: str
    title: str
    currency: str
    total_fen: int
    outstanding_fen: int
    payable_fen: int = Field(description="What a new payment may collect now (outstanding less payments under way)")
    due_date: date
    state: str
    lines: list[LineOut]


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class CreditNoteIn(Schema):
    amount_fen: StrictInt
    reason: str = Field(min_length=1, max_length=500)


class CreditNoteOut(Schema):
    id: UUID
    amount_fen: int
    reason: str
    created_at: datetime


class PaymentIn(Schema):
    payment_code: str = Field(description="The bill's 20-digit payment code (spaces allowed)")
    channel: str = Field(description="A configured payment channel code, e.g. `alipay`")
    amount_fen: StrictInt = Field(description="Amount in fen; at most the bill's outstanding amount")
    currency: str = Field("CNY", description="Must be the bill's currency")
    return_url: str = Field("", max_length=900, description="Where the payer lands after checkout")


class PaymentOut(Schema):
    id: UUID
    bill_id: UUID
    payment_code: str
    channel: str
    out_trade_no: str
    amount_fen: int
    currency: str
    state: str
    checkout_url: str = Field(description="Send the payer here (empty for bank transfer)")
    checkout_instructions: dict[str, str] = Field(description="Bank transfer: payee, account, note to write")
    provider_reference: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    refunded_fen: int
    refund_amount_available: int
    settled_on: date | None = Field(
        description="The day (the provider's calendar) the provider settled the payment, from its daily "
        "statement; null until a statement listing it is imported"
    )
    settlement_amount_fen: int | None = Field(
        description="What the provider's statement says it settled for the payment, in fen (a difference from "
        "amount_fen shows as an amount_mismatch in reconciliation)"
    )
    settlement_fee_fen: int | None = Field(
        description="The provider's fee on the payment, in fen, from the statement; null when the statement "
        "carries no fees (bank transfer) or none has been imported"
    )
    settlement_statement_id: UUID | None = Field(
        description="The reconciliation statement the payment was settled in "
        "(`GET .../billing/reconciliation/statements/{statement_id}`)"
    )


class RefundIn(Schema):
    amount_fen: StrictInt
    reason: str = Field(min_length=1, max_length=500)
    expected_available_fen: StrictInt | None = Field(
        None, description="The refund_amount_available you saw; refused with 409 if it has changed"
    )


class RefundOut(Schema):
    id: UUID
    payment_id: UUID
    out_refund_no: str
    amount_fen: int
    state: str
    reason: str
    created_at: datetime
    finished_at: datetime | None


class LateChargeRuleIn(Schema):
    rate_ppm: StrictInt = Field(description="Millionths of the overdue principal per day (0.05 %/day = 500)")
    grace_days: StrictInt = 0
    item: str = Field("", max_length=200)


class LateChargeRuleOut(Schema):
    biller: str
    rate_ppm: int
    grace_days: int
    item: str


class LedgerAccountOut(Schema):
    code: str
    ledger: str
    currency: str
    normal: str
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    balance: int = Field(description="Posted balance on the account's normal side")


class VerifyOut(Schema):
    balanced: bool
    problems: list[str]


class RowProblemOut(Schema):
    row: int
    column: str
    reason: str


class BulkReportOut(Schema):
    dry_run: bool
    rows: int
    issued: int
    total_fen: int
    batch_id: UUID | None
    problems: list[RowProblemOut]
