"""Bank transfer: the payer transfers from any bank account, writing our reference in the note.

There is no hosted page and no notification: ``create_checkout`` returns instructions (payee, account,
bank, amount, reference), and payments are learned from the bank's daily account statement, downloaded
over the bank's enterprise interface. The download request is signed with our key (``X-Bank-Signature``
over ``METHOD\\npath\\ntimestamp\\nnonce\\n``) and the bank signs the file it returns (over the exact
bytes), so a tampered statement is refused like a forged notification.

The statement is CSV (UTF-8 or GBK) with the columns 交易日期, 交易时间, 流水号, 借贷标志 (贷 = money in,
借 = money out), 金额 (yuan), 对方户名, 对方账号, 附言; 手续费 optional. The reference is the first token
of the note matching ``reference_pattern``; a credit without one is kept with an empty reference, so
reconciliation shows it as money nobody claimed.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from smartgov.billing.providers import _common as c
from smartgov.billing.providers._crypto import Algorithm
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
from smartgov.kit import clock

_COLUMNS = ("交易日期", "流水号", "借贷标志", "金额", "附言")
DEFAULT_REFERENCE_PATTERN = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"


class BankTransferProvider(PaymentProvider):
    code = "bank"

    def __init__(self, code: str, conf: Mapping[str, Any], algorithm: Algorithm) -> None:
        self.code = code
        self.base_url = str(conf["gateway_url"]).rstrip("/")
        self.customer_id = str(conf.get("merchant_id", ""))
        self.account_name = str(conf.get("account_name", ""))
        self.account_no = str(conf.get("account_no", ""))
        self.bank_name = str(conf.get("bank_name", ""))
        self.timeout = float(conf.get("timeout", 10))
        self.reference = re.compile(str(conf.get("reference_pattern") or DEFAULT_REFERENCE_PATTERN))
        self.signer, self.verifier = c.key_pair(conf, algorithm, code)

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        if request.currency != "CNY":
            raise ProviderError(f"bank transfers here are in CNY, not {request.currency}")
        if not self.reference.fullmatch(request.out_trade_no):
            raise ProviderError(f"{request.out_trade_no!r} would not be recognised in a remittance note")
        return Checkout(
            redirect_url="",
            instructions={
                "payee_name": self.account_name,
                "payee_account": self.account_no,
                "payee_bank": self.bank_name,
                "amount": c.fen_to_yuan(request.amount_fen),
                "currency": request.currency,
                "reference": request.out_trade_no,
                "pay_by": request.expires_at.astimezone(c.CHINA).strftime("%Y-%m-%d %H:%M"),
            },
        )

    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        raise ForgedNotification("banks send no payment notifications: whatever this is, it is not from the bank")

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        return Acknowledgement(body=b"ok" if accepted else b"refused", status=200 if accepted else 400)

    def query(self, out_trade_no: str) -> Notification | None:
        return None  # a bank cannot be asked about one transfer; the statement tells

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        raise ProviderError("a bank transfer is refunded by an outgoing transfer from the finance office")

    def fetch_statement(self, day: date) -> bytes:
        path = urllib.parse.urlsplit(f"{self.base_url}/statements/{day.isoformat()}.csv").path
        timestamp, nonce = str(int(clock.now().timestamp())), secrets.token_hex(16)
        signature = self.signer.sign_b64(f"GET\n{path}\n{timestamp}\n{nonce}\n".encode())
        answer = c.http(
            "GET",
            f"{self.base_url}/statements/{day.isoformat()}.csv",
            timeout=self.timeout,
            headers={
                "X-Bank-Customer": self.customer_id,
                "X-Bank-Timestamp": timestamp,
                "X-Bank-Nonce": nonce,
                "X-Bank-Sign-Type": self.signer.algorithm,
                "X-Bank-Signature": signature,
            },
        )
        if answer.status != 200:
            raise ProviderError(
                f"bank statement of {day} answered HTTP {answer.status}",
                retryable=answer.status in {404, 429} or answer.status >= 500,
            )
        if not self.verifier.verify_b64(answer.body, answer.headers.get("x-bank-signature", "")):
            raise ForgedNotification("the bank statement's signature does not verify")
        return answer.body

    @property
    def merchant_account(self) -> str:
        return self.account_no

    def statement_accounts(self, content: bytes) -> dict[str, int]:
        return c.accounts_named(content, c.ACCOUNT_LINE)

    def parse_statement(self, content: bytes) -> list[StatementRow]:
        rows = c.csv_rows(content)
        if not rows:
            raise ValueError("line 1: statement has no header row")
        line, head = rows[0]
        col = c.columns(head, _COLUMNS, line)
        result = []
        for line, cells in rows[1:]:
            if len(cells) != len(head):
                raise ValueError(f"line {line}: {len(cells)} cells, the header has {len(head)}")

            def cell(name: str, cells: list[str] = cells) -> str:
                return cells[col[name]] if name in col else ""

            direction = cell("借贷标志")
            if direction not in {"贷", "借"}:
                raise ValueError(f"line {line}: 借贷标志 {direction!r} is neither 贷 nor 借")
            try:
                amount = c.yuan_to_fen(cell("金额").replace(",", ""))
                fee = c.yuan_to_fen(cell("手续费").replace(",", "")) if cell("手续费") else 0
                settled = datetime.strptime(cell("交易日期"), "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar date)
            except ValueError as exc:
                raise ValueError(f"line {line}: {exc}") from exc
            if amount <= 0 or not cell("流水号"):
                raise ValueError(f"line {line}: needs a positive 金额 and a 流水号")
            found = self.reference.search(cell("附言").upper())
            reference = found.group(0) if found else ""
            result.append(
                StatementRow(
                    kind="payment" if direction == "贷" else "refund",
                    out_trade_no=reference,
                    provider_reference=cell("流水号"),
                    amount_fen=amount,
                    fee_fen=fee,
                    currency="CNY",
                    settled_on=settled,
                    out_refund_no=cell("流水号") if direction == "借" else "",
                    fee_listed="手续费" in col,
                )
            )
        return result
