"""WeChat Pay API v3-style channel.

- JSON bodies. Every request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…`` (``WECHATPAY2-SM2-WITH-SM3`` under the ``gm`` profile), the
  signature over ``METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n``.
- Every answer and every notification is signed by the provider over ``timestamp\\nnonce\\nbody\\n``,
  carried in the ``Wechatpay-Timestamp/-Nonce/-Signature/-Serial`` headers; the serial names the
  provider key, and a timestamp more than five minutes off is refused (a replay guard).
- A notification's ``resource`` is encrypted with AEAD_AES_256_GCM under the APIv3 key, with the
  resource's ``nonce`` and ``associated_data``; we decrypt it only after the signature verifies.
- Amounts are integer fen. We answer 200 ``{"code":"SUCCESS"}``, or 500 ``{"code":"FAIL"}`` to be retried.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import urllib.parse
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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

_STATE = {
    "SUCCESS": "succeeded",
    "REFUND": "succeeded",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "failed",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
}
_REFUND_STATUS = {"SUCCESS": "succeeded", "PROCESSING": "pending", "ABNORMAL": "failed", "CLOSED": "failed"}
_STATEMENT_COLUMNS = (
    "交易时间",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "货币种类",
    "应结订单金额",
    "微信退款单号",
    "商户退款单号",
    "退款金额",
    "手续费",
)


class WeChatPayProvider(PaymentProvider):
    code = "wechat"

    def __init__(self, code: str, conf: Mapping[str, Any], algorithm: Algorithm) -> None:
        self.code = code
        self.base_url = str(conf["gateway_url"]).rstrip("/")
        self.app_id = str(conf["app_id"])
        self.mch_id = str(conf["merchant_id"])
        self.timeout = float(conf.get("timeout", 10))
        self.max_skew = int(conf.get("max_clock_skew_seconds", 300))
        self.scheme = "WECHATPAY2-SM2-WITH-SM3" if algorithm == "SM2" else "WECHATPAY2-SHA256-RSA2048"
        self.signer, self.verifier = c.key_pair(conf, algorithm, code)
        self.api_v3_key = c.secret(conf, "api_v3_key", code).strip().encode()
        if len(self.api_v3_key) != 32:
            raise ProviderError(f"payment channel {code}: api_v3_key must be 32 characters")
        self.merchant_serial = str(conf.get("merchant_serial_no") or "")
        self.provider_serial = str(conf.get("provider_serial_no") or self.verifier.fingerprint)

    # -- signed HTTP ----------------------------------------------------------------------------------

    def _check_signed(self, body: bytes, headers: Mapping[str, str], what: str) -> None:
        timestamp, nonce = c.header(headers, "Wechatpay-Timestamp"), c.header(headers, "Wechatpay-Nonce")
        signature, serial = c.header(headers, "Wechatpay-Signature"), c.header(headers, "Wechatpay-Serial")
        if not (timestamp and nonce and signature):
            raise ForgedNotification(f"{what} lacks the Wechatpay signature headers")
        if serial != self.provider_serial:
            raise ForgedNotification(f"{what} is signed with key {serial!r}, not the provider's {self.provider_serial}")
        message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        if not self.verifier.verify_b64(message, signature):
            raise ForgedNotification(f"{what} signature does not verify")
        if not timestamp.isdigit():
            raise ForgedNotification(f"{what} timestamp is not a number")
        if self.max_skew and abs(clock.now().timestamp() - int(timestamp)) > self.max_skew:
            raise ForgedNotification(f"{what} timestamp is more than {self.max_skew} s off: a replay?")

    def _request(
        self, method: str, path: str, payload: dict[str, Any] | None = None, *, signed_answer: bool = True
    ) -> tuple[int, bytes]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() if payload is not None else b""
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        split = urllib.parse.urlsplit(url)
        signed_url = split.path + (f"?{split.query}" if split.query else "")  # the absolute path, as documented
        timestamp, nonce = str(int(clock.now().timestamp())), secrets.token_hex(16).upper()
        message = f"{method}\n{signed_url}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
        authorization = (
            f'{self.scheme} mchid="{self.mch_id}",nonce_str="{nonce}",'
            f'signature="{self.signer.sign_b64(message)}",timestamp="{timestamp}",'
            f'serial_no="{self.merchant_serial}"'
        )
        headers = {"Authorization": authorization, "Accept": "application/json", "User-Agent": "smartgov"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        answer = c.http(method, url, body=body if payload is not None else None, headers=headers, timeout=self.timeout)
        if answer.status >= 500:
            raise ProviderError(f"wechat pay answered HTTP {answer.status}", retryable=True)
        if signed_answer:
            self._check_signed(answer.body, answer.headers, f"wechat pay answer to {method} {path}")
        return answer.status, answer.body

    @staticmethod
    def _json(body: bytes) -> dict[str, Any]:
        try:
            value = json.loads(body)
        except ValueError as exc:
            raise ProviderError("wechat pay answered invalid JSON") from exc
        if not isinstance(value, dict):
            raise ProviderError("wechat pay answered a non-object")
        return value

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        payload = {
            "appid": self.app_id,
            "mchid": self.mch_id,
            "description": request.subject[:127],
            "out_trade_no": request.out_trade_no,
            "time_expire": request.expires_at.astimezone(c.CHINA).isoformat(timespec="seconds"),
            "notify_url": request.notify_url,
            "amount": {"total": request.amount_fen, "currency": request.currency},
            "scene_info": {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
        }
        status, body = self._request("POST", "/v3/pay/transactions/h5", payload)
        value = self._json(body)
        if status != 200 or not value.get("h5_url"):
            raise ProviderError(f"wechat pay refused the order: {value.get('code')} {value.get('message')}")
        # As documented for H5 payments: the page returns the payer to redirect_url appended to h5_url.
        url = f"{value['h5_url']}&redirect_url={urllib.parse.quote(request.return_url, safe='')}"
        return Checkout(redirect_url=url)

    def query(self, out_trade_no: str) -> Notification | None:
        path = f"/v3/pay/transactions/out-trade-no/{urllib.parse.quote(out_trade_no, safe='')}?mchid={self.mch_id}"
        status, body = self._request("GET", path)
        value = self._json(body)
        if status == 404:
            return None
        if status != 200:
            raise ProviderError(f"wechat pay query refused: {value.get('code')} {value.get('message')}")
        try:
            return self._transaction(value)
        except ForgedNotification as exc:
            raise ProviderError(f"wechat pay query answer malformed: {exc}") from exc

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        paid = self.query(out_trade_no)
        if paid is None:
            raise ProviderError(f"wechat pay does not know {out_trade_no}")
        payload = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "amount": {"refund": amount_fen, "total": paid.amount_fen, "currency": currency},
        }
        status, body = self._request("POST", "/v3/refund/domestic/refunds", payload)
        value = self._json(body)
        if status != 200 or value.get("status") not in _REFUND_STATUS:
            raise ProviderError(f"wechat pay refund refused: {value.get('code')} {value.get('message')}")
        return RefundResult(
            out_refund_no=out_refund_no,
            provider_reference=str(value.get("refund_id", "")),
            status=_REFUND_STATUS[value["status"]],
            amount_fen=amount_fen,
        )

    def fetch_statement(self, day: date) -> bytes:
        status, body = self._request("GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL")
        value = self._json(body)
        if status != 200 or not value.get("download_url"):
            raise ProviderError(f"wechat pay statement of {day} not available: {value.get('message')}", retryable=True)
        download, ours = urllib.parse.urlsplit(str(value["download_url"])), urllib.parse.urlsplit(self.base_url)
        if (download.scheme, download.netloc) != (ours.scheme, ours.netloc):
            raise ProviderError("wechat pay statement download points at another host")
        # The file itself is not signed; its SHA1 in the signed answer above vouches for it.
        _, content = self._request("GET", str(value["download_url"]), signed_answer=False)
        if value.get("hash_type") != "SHA1" or hashlib.sha1(content).hexdigest() != value.get("hash_value"):  # noqa: S324
            raise ForgedNotification("wechat pay statement does not match its announced SHA1")
        return content

    # -- notifications --------------------------------------------------------------------------------

    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        self._check_signed(body, headers, "wechat pay notification")
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise ForgedNotification(f"unknown resource algorithm {resource.get('algorithm')!r}")
            plaintext = AESGCM(self.api_v3_key).decrypt(
                str(resource["nonce"]).encode(),
                base64.b64decode(resource["ciphertext"], validate=True),
                str(resource.get("associated_data", "")).encode(),
            )
            transaction = json.loads(plaintext)
        except (InvalidTag, binascii.Error) as exc:
            raise ForgedNotification("notification resource does not decrypt under the APIv3 key") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ForgedNotification(f"malformed notification: {exc}") from exc
        if not str(envelope.get("event_type", "")).startswith("TRANSACTION."):
            raise ProviderError(f"unsupported event {envelope.get('event_type')!r}")
        return self._transaction(transaction)

    def _transaction(self, value: Mapping[str, Any]) -> Notification:
        if not isinstance(value, Mapping):
            raise ForgedNotification("transaction is not an object")
        if value.get("mchid") != self.mch_id or value.get("appid") != self.app_id:
            raise ForgedNotification("transaction is for another merchant or app")
        status = _STATE.get(str(value.get("trade_state")))
        if status is None:
            raise ForgedNotification(f"unknown trade_state {value.get('trade_state')!r}")
        amount = value.get("amount")
        if not isinstance(amount, Mapping) or not value.get("out_trade_no"):
            raise ForgedNotification("amount and out_trade_no are required")
        paid_at = None
        if status == "succeeded":
            try:
                paid_at = datetime.fromisoformat(str(value["success_time"]))
            except (KeyError, ValueError) as exc:
                raise ForgedNotification("a successful transaction needs a success_time") from exc
            if paid_at.tzinfo is None:
                raise ForgedNotification("success_time has no offset")
        return Notification(
            out_trade_no=str(value["out_trade_no"]),
            provider_reference=str(value.get("transaction_id", "")),
            status=status,
            amount_fen=c.fen_field(amount.get("total"), "amount.total"),
            currency=str(amount.get("currency", "CNY")),
            paid_at=paid_at,
            raw=dict(value),
        )

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        if accepted:
            return Acknowledgement(
                body=b'{"code":"SUCCESS","message":"\xe6\x88\x90\xe5\x8a\x9f"}', content_type="application/json"
            )
        return Acknowledgement(
            body=b'{"code":"FAIL","message":"\xe5\xa4\xb1\xe8\xb4\xa5"}', content_type="application/json", status=500
        )

    # -- statement --------------------------------------------------------------------------------------

    @property
    def merchant_account(self) -> str:
        return self.mch_id

    def statement_accounts(self, content: bytes) -> dict[str, int]:
        """The 商户号 of every detail line (the trade bill has no header naming its merchant)."""
        try:
            rows = c.csv_rows(content)
        except ValueError:
            return {}
        if not rows or "商户号" not in rows[0][1]:
            return {}
        column = rows[0][1].index("商户号")
        found: dict[str, int] = {}
        for line, cells in rows[1:]:
            if cells and cells[0] == "总交易单数":
                break
            if len(cells) > column and cells[column].lstrip("`"):
                found.setdefault(cells[column].lstrip("`"), line)
        return found

    def parse_statement(self, content: bytes) -> list[StatementRow]:
        rows = c.csv_rows(content)
        if not rows:
            raise ValueError("line 1: statement has no header row")
        line, head = rows[0]
        col = c.columns(head, _STATEMENT_COLUMNS, line)
        result = []
        for line, raw_cells in rows[1:]:
            if raw_cells and raw_cells[0] == "总交易单数":
                break  # the summary block follows the details
            # Every detail cell is prefixed with a backtick so spreadsheets keep long numbers as text.
            if any(cell and not cell.startswith("`") for cell in raw_cells):
                raise ValueError(f"line {line}: detail cells must start with a backtick")
            cells = [cell[1:] for cell in raw_cells]
            if len(cells) != len(head):
                raise ValueError(f"line {line}: {len(cells)} cells, the header has {len(head)}")

            def cell(name: str, cells: list[str] = cells) -> str:
                return cells[col[name]]

            try:
                kind = {"SUCCESS": "payment", "REFUND": "refund"}[cell("交易状态")]
                field = "应结订单金额" if kind == "payment" else "退款金额"
                amount = c.signed_yuan_to_fen(cell(field))
                fee = c.signed_yuan_to_fen(cell("手续费"))
                settled = c.parse_local(cell("交易时间"), "%Y-%m-%d %H:%M:%S").astimezone(c.CHINA).date()
            except KeyError:
                raise ValueError(f"line {line}: unknown 交易状态 {cell('交易状态')!r}") from None
            except ValueError as exc:
                raise ValueError(f"line {line}: {exc}") from exc
            if amount <= 0 or not cell("商户订单号") or not cell("微信订单号"):
                raise ValueError(f"line {line}: needs a positive amount, 商户订单号 and 微信订单号")
            if kind == "refund" and not cell("商户退款单号"):
                raise ValueError(f"line {line}: a refund row needs 商户退款单号")
            result.append(
                StatementRow(
                    kind=kind,
                    out_trade_no=cell("商户订单号"),
                    provider_reference=cell("微信订单号"),
                    amount_fen=amount,
                    fee_fen=fee,
                    currency=cell("货币种类") or "CNY",
                    settled_on=settled,
                    out_refund_no=cell("商户退款单号") if kind == "refund" else "",
                )
            )
        return result
