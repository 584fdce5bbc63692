"""Alipay-style channel (Alipay Open Platform, gateway ``gateway.do``).

- Requests are form posts to the gateway with the public parameters (app_id, method, format, charset,
  sign_type, timestamp, version, notify_url, biz_content JSON) signed with our private key: SHA256withRSA
  (``sign_type=RSA2``) or SM2-with-SM3 (``sign_type=SM2``) over the sorted ``k=v&k=v`` string of every
  non-empty parameter except ``sign``; the signature travels base64 in ``sign``.
- Responses are JSON ``{"<method>_response": {...}, "sign": "..."}``; the signature covers the exact
  text of the response node, so it is verified on the raw bytes before parsing.
- Asynchronous notifications are form posts to our notify_url; their signature covers the sorted
  parameters except ``sign`` *and* ``sign_type``. We answer the literal ``success`` (anything else
  makes the provider retry).
- Amounts are yuan with two decimals (``total_amount``), converted exactly to fen.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from datetime import date
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

_STATUS = {
    "TRADE_SUCCESS": "succeeded",
    "TRADE_FINISHED": "succeeded",
    "TRADE_CLOSED": "closed",
    "WAIT_BUYER_PAY": "pending",
}
_RETRYABLE_CODES = {"20000"}  # "service unavailable": the gateway asks to try again
_STATEMENT_COLUMNS = (
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "完成时间",
    "订单金额（元）",
    "服务费（元）",
    "退款批次号/请求号",
)


def _raw_node(text: str, node: str) -> tuple[str, dict[str, Any]]:
    """The exact text of ``"node": {...}`` in a gateway answer (what the signature covers) and its value."""
    marker = f'"{node}"'
    start = text.find(marker)
    if start < 0:
        raise KeyError(node)
    colon = text.index(":", start + len(marker))
    begin = colon + 1
    while text[begin] in " \t\r\n":
        begin += 1
    value, end = json.JSONDecoder().raw_decode(text, begin)
    if not isinstance(value, dict):
        raise ValueError(f"{node} is not an object")
    return text[begin:end], value


class AlipayProvider(PaymentProvider):
    code = "alipay"

    def __init__(self, code: str, conf: Mapping[str, Any], algorithm: Algorithm) -> None:
        self.code = code
        self.gateway_url = str(conf["gateway_url"])
        self.app_id = str(conf["app_id"])
        self.seller_id = str(conf.get("merchant_id", ""))
        self.timeout = float(conf.get("timeout", 10))
        self.sign_type = "SM2" if algorithm == "SM2" else "RSA2"
        self.signer, self.verifier = c.key_pair(conf, algorithm, code)

    # -- gateway calls --------------------------------------------------------------------------------

    def _call(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, Any]:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": self.sign_type,
            "timestamp": clock.now().astimezone(c.CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **extra,
        }
        params["sign"] = self.signer.sign_b64(c.sorted_params(params, exclude=("sign",)).encode())
        answer = c.http(
            "POST",
            self.gateway_url,
            body=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            timeout=self.timeout,
        )
        if answer.status >= 500:
            raise ProviderError(f"alipay gateway answered HTTP {answer.status}", retryable=True)
        text = answer.body.decode("utf-8", errors="replace")
        node = method.replace(".", "_") + "_response"
        try:
            raw, value = _raw_node(text, node)
        except (KeyError, ValueError):
            try:
                raw, value = _raw_node(text, "error_response")
            except (KeyError, ValueError) as exc:
                raise ProviderError(f"alipay gateway answered something else (HTTP {answer.status})") from exc
            reason = value.get("sub_msg") or value.get("msg")
            raise ProviderError(f"alipay gateway refused the call: {reason}") from None
        try:
            sign = json.loads(text).get("sign", "")
        except ValueError as exc:
            raise ProviderError("alipay gateway answered invalid JSON") from exc
        if not self.verifier.verify_b64(raw.encode(), sign):
            raise ForgedNotification(f"alipay {method} answer does not verify against the provider key")
        if value.get("code") in _RETRYABLE_CODES:
            raise ProviderError(f"alipay {method}: {value.get('msg')}", retryable=True)
        return value

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        if request.currency != "CNY":
            raise ProviderError(f"alipay collects CNY, not {request.currency}")
        biz = {
            "out_trade_no": request.out_trade_no,
            "total_amount": c.fen_to_yuan(request.amount_fen),
            "subject": request.subject[:256],
            "time_expire": request.expires_at.astimezone(c.CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        }
        value = self._call("alipay.trade.precreate", biz, notify_url=request.notify_url, return_url=request.return_url)
        if value.get("code") != "10000" or not value.get("qr_code"):
            raise ProviderError(f"alipay precreate refused: {value.get('sub_code')} {value.get('sub_msg')}")
        return Checkout(redirect_url=str(value["qr_code"]))

    def query(self, out_trade_no: str) -> Notification | None:
        value = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if value.get("code") != "10000":
            if value.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return None
            raise ProviderError(f"alipay query refused: {value.get('sub_code')} {value.get('sub_msg')}")
        try:
            return self._notification(value, paid_at_field="send_pay_date")
        except ForgedNotification as exc:
            raise ProviderError(f"alipay query answer malformed: {exc}") from exc

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        if currency != "CNY":
            raise ProviderError(f"alipay refunds CNY, not {currency}")
        value = self._call(
            "alipay.trade.refund",
            {"out_trade_no": out_trade_no, "out_request_no": out_refund_no, "refund_amount": c.fen_to_yuan(amount_fen)},
        )
        if value.get("code") != "10000":
            raise ProviderError(f"alipay refund refused: {value.get('sub_code')} {value.get('sub_msg')}")
        return RefundResult(
            out_refund_no=out_refund_no,
            provider_reference=str(value.get("trade_no", "")),
            status="succeeded",
            amount_fen=amount_fen,
        )

    def fetch_statement(self, day: date) -> bytes:
        value = self._call(
            "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": day.isoformat()}
        )
        if value.get("code") != "10000" or not value.get("bill_download_url"):
            raise ProviderError(f"alipay statement of {day} not available: {value.get('sub_msg')}", retryable=True)
        answer = c.http("GET", str(value["bill_download_url"]), timeout=self.timeout)
        if answer.status != 200:
            raise ProviderError(f"alipay statement download answered HTTP {answer.status}", retryable=True)
        return answer.body

    # -- notifications --------------------------------------------------------------------------------

    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        if "application/x-www-form-urlencoded" not in content_type.lower():
            raise ForgedNotification(f"alipay notifications are form posts, not {content_type or 'untyped'}")
        params = c.parse_form(body)
        if params.get("sign_type") != self.sign_type:
            raise ForgedNotification(f"sign_type {params.get('sign_type')!r}, expected {self.sign_type}")
        signed = c.sorted_params(params, exclude=("sign", "sign_type")).encode()
        if not self.verifier.verify_b64(signed, params.get("sign", "")):
            raise ForgedNotification("alipay notification signature does not verify")
        if params.get("app_id") != self.app_id:
            raise ForgedNotification(f"notification is for app_id {params.get('app_id')!r}")
        if self.seller_id and params.get("seller_id", self.seller_id) != self.seller_id:
            raise ForgedNotification("notification is for another seller")
        return self._notification(params, paid_at_field="gmt_payment")

    def _notification(self, fields: Mapping[str, Any], *, paid_at_field: str) -> Notification:
        status = _STATUS.get(str(fields.get("trade_status", "")))
        if status is None:
            raise ForgedNotification(f"unknown trade_status {fields.get('trade_status')!r}")
        try:
            amount = c.yuan_to_fen(str(fields.get("total_amount", "")))
            refunded = c.yuan_to_fen(str(fields["refund_fee"])) if fields.get("refund_fee") else 0
            paid_at = (
                c.parse_local(str(fields[paid_at_field]), "%Y-%m-%d %H:%M:%S") if fields.get(paid_at_field) else None
            )
        except ValueError as exc:
            raise ForgedNotification(str(exc)) from exc
        if not fields.get("out_trade_no") or not fields.get("trade_no"):
            raise ForgedNotification("out_trade_no and trade_no are required")
        return Notification(
            out_trade_no=str(fields["out_trade_no"]),
            provider_reference=str(fields["trade_no"]),
            status=status,
            amount_fen=amount,
            currency=str(fields.get("trans_currency") or "CNY"),
            paid_at=paid_at if status == "succeeded" else None,
            raw=dict(fields),
            refunded_fen=refunded,
        )

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        return Acknowledgement(body=b"success" if accepted else b"fail")

    # -- statement --------------------------------------------------------------------------------------

    @property
    def merchant_account(self) -> str:
        return self.seller_id

    def statement_accounts(self, content: bytes) -> dict[str, int]:
        return c.accounts_named(content, c.ACCOUNT_LINE)

    def parse_statement(self, content: bytes) -> list[StatementRow]:
        rows = c.csv_rows(content)
        if not rows:
            raise ValueError("line 1: statement has no header row")
        line, head = rows[0]
        col = c.columns(head, _STATEMENT_COLUMNS, line)
        result = []
        for line, cells in rows[1:]:
            if len(cells) != len(head):
                raise ValueError(f"line {line}: {len(cells)} cells, the header has {len(head)}")

            def cell(name: str, cells: list[str] = cells) -> str:
                return cells[col[name]]

            try:
                kind = {"交易": "payment", "退款": "refund"}[cell("业务类型")]
                amount = c.signed_yuan_to_fen(cell("订单金额（元）"))
                fee = -c.signed_yuan_to_fen(cell("服务费（元）"))  # the statement prints a charged fee negative
                settled = c.parse_local(cell("完成时间"), "%Y-%m-%d %H:%M:%S").astimezone(c.CHINA).date()
            except KeyError:
                raise ValueError(f"line {line}: unknown 业务类型 {cell('业务类型')!r}") from None
            except ValueError as exc:
                raise ValueError(f"line {line}: {exc}") from exc
            if not cell("商户订单号") or not cell("支付宝交易号"):
                raise ValueError(f"line {line}: 商户订单号 and 支付宝交易号 are required")
            if kind == "refund" and not cell("退款批次号/请求号"):
                raise ValueError(f"line {line}: a refund row needs 退款批次号/请求号")
            result.append(
                StatementRow(
                    kind=kind,
                    out_trade_no=cell("商户订单号"),
                    provider_reference=cell("支付宝交易号"),
                    amount_fen=abs(amount),
                    fee_fen=fee,
                    currency="CNY",
                    settled_on=settled,
                    out_refund_no=cell("退款批次号/请求号") if kind == "refund" else "",
                )
            )
        return result
