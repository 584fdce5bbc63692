"""The interface every payment channel adapter implements, and the values crossing it.

Amounts are integer fen with an ISO currency; times are timezone-aware UTC. Nothing here touches the
database: the billing services persist what these values describe.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class ProviderError(Exception):
    """The provider refused or could not be reached; ``retryable`` says whether to try again later."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ForgedNotification(ProviderError):
    """A notification whose signature, amount, currency or payment code does not check out."""


@dataclass(frozen=True)
class CheckoutRequest:
    """What we ask a provider to collect. ``out_trade_no`` is our payment's reference, unique per
    tenant and channel; the provider echoes it in every notification and statement row."""

    out_trade_no: str
    amount_fen: int
    currency: str
    subject: str
    notify_url: str  # our callback for asynchronous notifications
    return_url: str  # where the payer's browser lands after checkout
    expires_at: datetime


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer (a hosted checkout page, or a QR code's content)."""

    redirect_url: str
    provider_reference: str = ""  # the provider's own id, when it gives one up front
    # Channels without a hosted page (bank transfer) leave redirect_url empty and say here what the
    # payer must do: payee name, account, bank, amount in yuan, the reference to write in the note.
    instructions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A verified asynchronous notification (or a poll result): what the provider says happened."""

    out_trade_no: str
    provider_reference: str  # the provider's transaction id
    status: str  # "succeeded", "failed" or "closed"; a poll (query) may also answer "pending" (not paid yet)
    amount_fen: int
    currency: str
    paid_at: datetime | None
    raw: dict[str, Any] = field(default_factory=dict)
    refunded_fen: int = 0  # what the provider says has been refunded so far, when it says (Alipay's refund_fee)


@dataclass(frozen=True)
class RefundResult:
    out_refund_no: str
    provider_reference: str
    status: str  # "succeeded", "pending" or "failed"
    amount_fen: int


@dataclass(frozen=True)
class StatementRow:
    """One line of a provider's daily settlement statement.

    ``amount_fen`` is the payment's or the refund's amount, always positive (``kind`` gives the
    direction); ``fee_fen`` is what the provider charged for the line: positive for a payment's fee,
    negative for the fee it gives back on a refund, zero where the channel charges nothing. The net the
    provider settles for the row is ``amount_fen - fee_fen`` for a payment, ``-(amount_fen + fee_fen)``
    for a refund. ``out_trade_no`` is empty for a bank credit whose note names no reference.
    ``fee_listed`` is False when the file has no fee column at all (a bank statement without 手续费):
    its ``fee_fen`` 0 is then not a fee known to be nothing.
    """

    kind: str  # "payment" or "refund"
    out_trade_no: str  # our payment reference (for refunds: of the payment refunded)
    provider_reference: str
    amount_fen: int
    fee_fen: int
    currency: str
    settled_on: date
    out_refund_no: str = ""
    fee_listed: bool = True


@dataclass(frozen=True)
class Acknowledgement:
    """The HTTP answer a provider expects to a notification (body, content type, status)."""

    body: bytes
    content_type: str = "text/plain"
    status: int = 200


class PaymentProvider(abc.ABC):
    """One payment channel. ``code`` names it in URLs, settings and ledger accounts."""

    code: str

    @abc.abstractmethod
    def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    @abc.abstractmethod
    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        """Check the signature and parse; raise ``ForgedNotification`` when it does not verify. The
        caller still checks amount, currency and payment code against its own payment."""

    @abc.abstractmethod
    def acknowledge(self, accepted: bool) -> Acknowledgement:
        """The answer the provider expects, so it stops (accepted) or retries (not accepted)."""

    @abc.abstractmethod
    def query(self, out_trade_no: str) -> Notification | None:
        """Poll a payment we have not heard back about; None when the provider does not know it."""

    @abc.abstractmethod
    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult: ...

    @abc.abstractmethod
    def parse_statement(self, content: bytes) -> list[StatementRow]:
        """Parse a daily settlement statement; raise ``ValueError`` naming the bad line when malformed."""

    @property
    def merchant_account(self) -> str:
        """Our account as this channel's statements name their owner (a merchant number; for a bank,
        the account number); empty when the adapter cannot tell."""
        return ""

    def statement_accounts(self, content: bytes) -> dict[str, int]:
        """The accounts a statement file names as its owner, each with the first line naming it
        (Alipay's and the bank's ``#账号`` line, WeChat's 商户号 column, UnionPay's header); empty when
        the file names none. Tolerant: a malformed file is ``parse_statement``'s to report."""
        return {}

    def fetch_statement(self, day: date) -> bytes:
        """Download the settlement statement of ``day`` (the provider's local date), ready for
        ``parse_statement``. Raise ``ProviderError(retryable=True)`` while it is not ready yet."""
        raise ProviderError(f"channel {self.code} offers no statement download")
