"""UnionPay-style channel (online payment gateway, ACP 5.1.0 message set).

- Requests and answers are form-encoded parameter sets. The signature: the sorted ``k=v&k=v`` string of
  every non-empty parameter except ``signature``, hashed (SHA-256, or SM3 under the ``gm`` profile) to
  lowercase hex, and that hex string signed (SHA256withRSA ``signMethod=01``, SM2-with-SM3
  ``signMethod=02``), base64 in ``signature``; ``certId`` names the signing key.
- A QR-code consumption (``txnType=01, txnSubType=07``) returns ``qrCode``, the page the payer opens.
- The provider posts the result to our ``backUrl``; ``respCode=00`` is success. We answer ``ok``.
- ``txnAmt`` is integer fen, ``currencyCode=156`` is CNY; times are Beijing ``yyyyMMddHHmmss``.
- The daily reconciliation file comes from ``fileTransRequest.do`` (``txnType=76``), base64 of the
  zlib-deflated file in ``fileContent``: pipe-separated lines, see ``parse_statement``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import urllib.parse
import zlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes

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

_PENDING = {"03", "04", "05"}  # "being processed": ask again later
_NOT_FOUND = "34"
_STATEMENT_FIELDS = 8  # txnType|orderId|queryId|txnAmt|fee|settleDate|origOrderId|currencyCode
_STATEMENT_MERCHANT = re.compile(r"#.*\bmerchant (\w+)")  # the file's header comment names its merchant


def digest_hex(data: bytes, algorithm: Algorithm) -> str:
    if algorithm == "SM2":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize().hex()
    return hashlib.sha256(data).hexdigest()


class UnionPayProvider(PaymentProvider):
    code = "unionpay"

    def __init__(self, code: str, conf: Mapping[str, Any], algorithm: Algorithm) -> None:
        self.code = code
        self.base_url = str(conf["gateway_url"]).rstrip("/")
        self.mer_id = str(conf["merchant_id"])
        self.timeout = float(conf.get("timeout", 10))
        self.algorithm = algorithm
        self.sign_method = "02" if algorithm == "SM2" else "01"
        self.signer, self.verifier = c.key_pair(conf, algorithm, code)
        self.cert_id = str(conf.get("merchant_cert_id") or "")
        self.provider_cert_id = str(conf.get("provider_cert_id") or self.verifier.fingerprint)
        self.refund_notify_url = str(conf.get("refund_notify_url", ""))

    def _signing_string(self, params: Mapping[str, str]) -> bytes:
        return digest_hex(c.sorted_params(params, exclude=("signature",)).encode(), self.algorithm).encode()

    def _verify(self, params: Mapping[str, str], what: str) -> None:
        if params.get("signMethod") != self.sign_method:
            raise ForgedNotification(f"{what}: signMethod {params.get('signMethod')!r}, expected {self.sign_method}")
        if params.get("certId") != self.provider_cert_id:
            raise ForgedNotification(f"{what}: signed with key {params.get('certId')!r}, not the provider's")
        if not self.verifier.verify_b64(self._signing_string(params), params.get("signature", "")):
            raise ForgedNotification(f"{what}: signature does not verify")

    def _call(self, endpoint: str, fields: dict[str, str]) -> dict[str, str]:
        params = {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": self.sign_method,
            "certId": self.cert_id,
            "accessType": "0",
            "merId": self.mer_id,
            "txnTime": clock.now().astimezone(c.CHINA).strftime("%Y%m%d%H%M%S"),
            **fields,
        }
        params["signature"] = self.signer.sign_b64(self._signing_string(params))
        answer = c.http(
            "POST",
            f"{self.base_url}/gateway/api/{endpoint}",
            body=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            timeout=self.timeout,
        )
        if answer.status != 200:
            raise ProviderError(f"unionpay gateway answered HTTP {answer.status}", retryable=answer.status >= 500)
        try:
            result = c.parse_form(answer.body)
        except ForgedNotification as exc:
            raise ProviderError(f"unionpay gateway answered something else: {exc}") from exc
        self._verify(result, f"unionpay answer to {endpoint}")
        return result

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        if request.currency != "CNY":
            raise ProviderError(f"unionpay collects CNY here, not {request.currency}")
        result = self._call(
            "backTransReq.do",
            {
                "txnType": "01",
                "txnSubType": "07",
                "bizType": "000000",
                "channelType": "08",
                "orderId": request.out_trade_no,
                "txnAmt": str(request.amount_fen),
                "currencyCode": "156",
                "orderDesc": request.subject[:32],
                "backUrl": request.notify_url,
                "frontUrl": request.return_url,
                "payTimeout": request.expires_at.astimezone(c.CHINA).strftime("%Y%m%d%H%M%S"),
            },
        )
        if result.get("respCode") != "00" or not result.get("qrCode"):
            raise ProviderError(
                f"unionpay refused the order: {result.get('respCode')} {result.get('respMsg')}",
                retryable=result.get("respCode") in _PENDING,
            )
        return Checkout(redirect_url=result["qrCode"])

    def query(self, out_trade_no: str) -> Notification | None:
        # The gateway identifies an order by orderId and its txnTime; ours are unique on their own, so the
        # query's own time stands in (the provider side looks the order up by orderId).
        result = self._call(
            "queryTrans.do", {"txnType": "00", "txnSubType": "00", "bizType": "000000", "orderId": out_trade_no}
        )
        if result.get("respCode") == _NOT_FOUND:
            return None
        if result.get("respCode") != "00":
            raise ProviderError(
                f"unionpay query refused: {result.get('respCode')} {result.get('respMsg')}",
                retryable=result.get("respCode") in _PENDING,
            )
        try:
            return self._notification(result, result.get("origRespCode", ""))
        except ForgedNotification as exc:
            raise ProviderError(f"unionpay query answer malformed: {exc}") from exc

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, currency: str) -> RefundResult:
        paid = self.query(out_trade_no)
        if paid is None or paid.status != "succeeded":
            raise ProviderError(f"unionpay has no successful payment {out_trade_no} to refund")
        result = self._call(
            "backTransReq.do",
            {
                "txnType": "04",
                "txnSubType": "00",
                "bizType": "000000",
                "channelType": "07",
                "orderId": out_refund_no,
                "origQryId": paid.provider_reference,
                "txnAmt": str(amount_fen),
                "currencyCode": "156",
                "backUrl": self.refund_notify_url,
            },
        )
        code = result.get("respCode", "")
        if code == "00":
            status = "succeeded"
        elif code in _PENDING:
            status = "pending"
        else:
            raise ProviderError(f"unionpay refund refused: {code} {result.get('respMsg')}")
        return RefundResult(
            out_refund_no=out_refund_no,
            provider_reference=result.get("queryId", ""),
            status=status,
            amount_fen=amount_fen,
        )

    def fetch_statement(self, day: date) -> bytes:
        result = self._call(
            "fileTransRequest.do",
            {
                "txnType": "76",
                "txnSubType": "01",
                "bizType": "000000",
                "fileType": "00",
                "settleDate": day.strftime("%m%d"),
            },
        )
        if result.get("respCode") != "00" or not result.get("fileContent"):
            raise ProviderError(f"unionpay statement of {day} not available: {result.get('respMsg')}", retryable=True)
        try:
            return zlib.decompress(base64.b64decode(result["fileContent"], validate=True))
        except (binascii.Error, zlib.error) as exc:
            raise ProviderError("unionpay statement file does not decode") from exc

    # -- notifications --------------------------------------------------------------------------------

    def verify_notification(self, body: bytes, content_type: str, headers: dict[str, str]) -> Notification:
        if "application/x-www-form-urlencoded" not in content_type.lower():
            raise ForgedNotification(f"unionpay notifications are form posts, not {content_type or 'untyped'}")
        params = c.parse_form(body)
        self._verify(params, "unionpay notification")
        if params.get("merId") != self.mer_id:
            raise ForgedNotification(f"notification is for merchant {params.get('merId')!r}")
        if params.get("txnType") != "01":
            raise ProviderError(f"unsupported unionpay notification txnType {params.get('txnType')!r}")
        return self._notification(params, params.get("respCode", ""))

    def _notification(self, params: Mapping[str, str], code: str) -> Notification:
        if code == "00":
            status = "succeeded"
        elif code in _PENDING or code == "":
            status = "pending"
        else:
            status = "failed"
        amount = params.get("txnAmt", "")
        if not amount.isascii() or not amount.isdigit() or not params.get("orderId"):
            raise ForgedNotification("txnAmt (fen) and orderId are required")
        currency = {"156": "CNY"}.get(params.get("currencyCode", "156"))
        if currency is None:
            raise ForgedNotification(f"unknown currencyCode {params.get('currencyCode')!r}")
        paid_at = self._trace_time(params.get("traceTime", "")) if status == "succeeded" else None
        return Notification(
            out_trade_no=params["orderId"],
            provider_reference=params.get("queryId", ""),
            status=status,
            amount_fen=int(amount),
            currency=currency,
            paid_at=paid_at,
            raw=dict(params),
        )

    @staticmethod
    def _trace_time(text: str) -> datetime | None:
        """traceTime is MMDDhhmmss without a year: the most recent such instant not in the future."""
        if len(text) != 10 or not text.isdigit():
            return None
        local_now = clock.now().astimezone(c.CHINA)
        for year in (local_now.year, local_now.year - 1):
            try:
                instant = c.parse_local(f"{year}{text}", "%Y%m%d%H%M%S")
            except ValueError:
                continue
            if instant <= clock.now() + timedelta(days=1):
                return instant
        return None

    def acknowledge(self, accepted: bool) -> Acknowledgement:
        # The gateway retries anything but HTTP 200.
        return Acknowledgement(body=b"ok") if accepted else Acknowledgement(body=b"retry", status=500)

    # -- statement --------------------------------------------------------------------------------------

    @property
    def merchant_account(self) -> str:
        return self.mer_id

    def statement_accounts(self, content: bytes) -> dict[str, int]:
        return c.accounts_named(content, _STATEMENT_MERCHANT)

    def parse_statement(self, content: bytes) -> list[StatementRow]:
        """Pipe-separated lines ``txnType|orderId|queryId|txnAmt|fee|settleDate|origOrderId|currencyCode``:
        txnType 01 (payment) or 04 (refund), txnAmt and fee 12-digit fen (fee signed), settleDate
        yyyyMMdd, origOrderId the refunded payment's orderId. Lines starting with ``#`` are comments."""
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"statement is not UTF-8 text (byte {exc.start})") from exc
        result = []
        for line, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip() or raw.startswith("#"):
                continue
            cells = raw.split("|")
            if len(cells) != _STATEMENT_FIELDS:
                raise ValueError(f"line {line}: {len(cells)} fields, expected {_STATEMENT_FIELDS}")
            txn_type, order_id, query_id, amount, fee, settle, orig, currency = (cell.strip() for cell in cells)
            if txn_type not in {"01", "04"}:
                raise ValueError(f"line {line}: unknown txnType {txn_type!r}")
            if not (amount.isascii() and amount.isdigit()) or int(amount) <= 0:
                raise ValueError(f"line {line}: txnAmt {amount!r} is not a positive amount in fen")
            if not re.fullmatch(r"-?[0-9]{1,12}", fee):
                raise ValueError(f"line {line}: fee {fee!r} is not an amount in fen")
            try:
                settled = datetime.strptime(settle, "%Y%m%d").date()  # noqa: DTZ007 (a calendar date)
            except ValueError:
                raise ValueError(f"line {line}: settleDate {settle!r} is not yyyyMMdd") from None
            if currency != "156":
                raise ValueError(f"line {line}: unknown currencyCode {currency!r}")
            if not order_id or not query_id or (txn_type == "04" and not orig):
                raise ValueError(f"line {line}: orderId, queryId (and origOrderId for a refund) are required")
            refund = txn_type == "04"
            result.append(
                StatementRow(
                    kind="refund" if refund else "payment",
                    out_trade_no=orig if refund else order_id,
                    provider_reference=query_id,
                    amount_fen=int(amount),
                    fee_fen=int(fee),
                    currency="CNY",
                    settled_on=settled,
                    out_refund_no=order_id if refund else "",
                )
            )
        return result
