"""An honest in-process payment provider for unit tests: it signs its notifications with HMAC-SHA256
like a real channel, checks them on the way back, remembers checkouts and refunds (idempotent by
refund number) and answers polls from what the test told it happened."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime
from typing import Any

from smartgov.billing.providers.base import (
    Acknowledgement,
    Checkout,
    CheckoutRequest,
    ForgedNotification,
    Notification,
    PaymentProvider,
    ProviderError,
    RefundResult,
    StatementRow,
)

SECRET = b"fake-channel-secret"


class FakeProvider(PaymentProvider):
    code = "fakepay"
    # Shared by every instance (the registry builds one per process): tests reset it.
    lock = threading.Lock()
    checkouts: dict[str, CheckoutRequest] = {}
    refunds: dict[str, RefundResult] = {}
    paid: dict[str, Notification] = {}
    refund_status = "succeeded"
    fail_checkout = False

    def __init__(self, code: str = "fakepay", conf: dict[str, Any] | None = None, algorithm: str = "RSA") -> None:
        self.code = code  # the registry builds every adapter with (code, conf, algorithm)

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.checkouts = {}
            cls.refunds = {}
            cls.paid = {}
            cls.refund_status = "succeeded"
            cls.fail_checkout = False

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        if self.fail_checkout:
            raise ProviderError("down", retryable=True)
        with self.lock:
            self.checkouts[request.out_trade_no] = request
        return Checkout(f"https://fakepay.test/checkout/{request.out_trade_no}", f"FP{request.out_trade_no[-10:]}")

    @staticmethod
    def sign(fields: dict[str, Any]) -> str:
        text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "sign")
        return hmac.new(SECRET, text.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def notification_body(
        cls,
        out_trade_no: str,
        amount_fen: int,
        *,
        status: str = "succeeded",
        currency: str = "CNY",
        trade_no: str = "T1",
        forge: bool = False,
    ) -> bytes:
        fields: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "trade_no": trade_no,
            "status": status,
            "amount_fen": amount_fen,
            "currency": currency,
            "paid_at": "2026-11-24T10:00:00+00:00",
        }
        fields["sign"] = cls.sign(fields)
        if forge:
            fields["amount_fen"] = amount_fen + 1  # changed after signing
        return json.dumps(fields).encode()

    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        try:
            fields = json.loads(body)
        except ValueError:
            raise ForgedNotification("not JSON") from None
        if not isinstance(fields, dict) or not hmac.compare_digest(str(fields.get("sign", "")), self.sign(fields)):
            raise ForgedNotification("bad signature")
        return Notification(
            out_trade_no=fields["out_trade_no"],
            provider_reference=fields["trade_no"],
            status=fields["status"],
            amount_fen=fields["amount_fen"],
            currency=fields["currency"],
            paid_at=datetime.fromisoformat(fields["paid_at"]),
            raw=fields,
        )

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        return Acknowledgement(b"success" if accepted else b"fail")

    def query(self, out_trade_no: str) -> Notification | None:
        with self.lock:
            return self.paid.get(out_trade_no)

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        with self.lock:
            if out_refund_no not in self.refunds or self.refunds[out_refund_no].status == "pending":
                self.refunds[out_refund_no] = RefundResult(
                    out_refund_no, f"RF{out_refund_no[-8:]}", self.refund_status, amount_fen
                )
            return self.refunds[out_refund_no]

    def parse_statement(self, content: bytes) -> list[StatementRow]:
        return []


PROVIDERS = {"fakepay": {"class": "tests.billing.fakes.FakeProvider"}}
