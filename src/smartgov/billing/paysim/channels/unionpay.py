"""UnionPay as the simulator plays it: ACP-style signed form messages, backUrl notifications, the
reconciliation file."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
import zlib
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

from ..store import now
from ..web import Request, Response
from .base import CHINA, SimChannel, local

_TYPES = {"01": "RSA", "02": "SM2"}


def signing_string(params: dict[str, str], algorithm: str) -> bytes:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature" and params[k] != "").encode()
    if algorithm == "SM2":
        h = hashes.Hash(hashes.SM3())
        h.update(text)
        return h.finalize().hex().encode()
    return hashlib.sha256(text).hexdigest().encode()


class UnionPaySim(SimChannel):
    name = "unionpay"

    def _sign(self, params: dict[str, str], algorithm: str) -> dict[str, str]:
        params = {
            **params,
            "signMethod": "02" if algorithm == "SM2" else "01",
            "certId": self.provider_verifier(algorithm).fingerprint,
        }
        params["signature"] = self.provider_signer(algorithm).sign_b64(signing_string(params, algorithm))
        return params

    def _answer(self, request: dict[str, str], algorithm: str, respCode: str, respMsg: str, **fields: str) -> Response:
        echo = {
            k: request.get(k, "")
            for k in (
                "version",
                "encoding",
                "merId",
                "orderId",
                "txnType",
                "txnSubType",
                "bizType",
                "accessType",
                "txnTime",
            )
        }
        params = self._sign({**echo, "respCode": respCode, "respMsg": respMsg, **fields}, algorithm)
        return Response(
            200, urllib.parse.urlencode(params).encode(), "application/x-www-form-urlencoded; charset=UTF-8"
        )

    def handle(self, request: Request, rest: str) -> Response:
        if request.method != "POST" or not rest.startswith("gateway/api/"):
            return Response(404, b"not found")
        params = request.form()
        algorithm = _TYPES.get(params.get("signMethod", ""))
        if algorithm is None:
            return self._answer(params, "RSA", "11", "签名方法不支持")
        merchant = self.merchant(merchant_id=params.get("merId", ""))
        if merchant is None or not self.merchant_verifier(algorithm, merchant).verify_b64(
            signing_string(params, algorithm), params.get("signature", "")
        ):
            return self._answer(params, algorithm, "11", "验证签名失败")
        endpoint = rest.removeprefix("gateway/api/")
        mer_id = merchant["merchant_id"]
        if endpoint == "backTransReq.do" and params.get("txnType") == "01":
            return self._consume(params, algorithm, mer_id)
        if endpoint == "backTransReq.do" and params.get("txnType") == "04":
            return self._refund(params, algorithm, mer_id)
        if endpoint == "queryTrans.do":
            return self._query(params, algorithm, mer_id)
        if endpoint == "fileTransRequest.do":
            return self._file(params, algorithm, mer_id)
        return self._answer(params, algorithm, "10", "报文格式错误")

    def _consume(self, params: dict[str, str], algorithm: str, mer_id: str) -> Response:
        from ..app import TradeConflict

        amount = params.get("txnAmt", "")
        if not amount.isdigit() or int(amount) <= 0 or params.get("currencyCode") != "156" or not params.get("orderId"):
            return self._answer(params, algorithm, "30", "报文错误")
        try:
            expires = datetime.strptime(params["payTimeout"], "%Y%m%d%H%M%S").replace(tzinfo=CHINA).timestamp()
        except (KeyError, ValueError):
            expires = now() + 3600
        try:
            trade = self.sim.create_trade(
                "unionpay",
                merchant=mer_id,
                out_trade_no=params["orderId"],
                amount_fen=int(amount),
                currency="CNY",
                subject=params.get("orderDesc", ""),
                notify_url=params.get("backUrl", ""),
                return_url=params.get("frontUrl", ""),
                algorithm=algorithm,
                expires_at=expires,
            )
        except TradeConflict:
            return self._answer(params, algorithm, "12", "重复交易")
        return self._answer(params, algorithm, "00", "成功[0000000]", qrCode=self.sim.checkout_url(trade))

    def _refund(self, params: dict[str, str], algorithm: str, mer_id: str) -> Response:
        from ..app import RefundRefused

        trade = self.sim.store.one(
            "SELECT * FROM trades WHERE channel = 'unionpay' AND merchant = ? AND trade_no = ?",
            mer_id,
            params.get("origQryId", ""),
        )
        amount = params.get("txnAmt", "")
        if trade is None:
            return self._answer(params, algorithm, "35", "原交易不存在")
        if not amount.isdigit() or int(amount) <= 0 or not params.get("orderId"):
            return self._answer(params, algorithm, "30", "报文错误")
        try:
            _, row, _ = self.sim.refund("unionpay", trade, params["orderId"], int(amount))
        except RefundRefused as exc:
            code = {"AMOUNT": "13", "TRADE_STATUS": "36", "DUPLICATE": "12"}[exc.code]
            return self._answer(params, algorithm, code, str(exc))
        return self._answer(
            params,
            algorithm,
            "00",
            "成功[0000000]",
            queryId=row["refund_no"],
            origQryId=trade["trade_no"],
            txnAmt=amount,
        )

    def _query(self, params: dict[str, str], algorithm: str, mer_id: str) -> Response:
        trade = self.sim.store.trade("unionpay", mer_id, params.get("orderId", ""))
        if trade is None:
            return self._answer(params, algorithm, "34", "查无此交易")
        status = self.sim.status(trade)
        orig = {"SUCCESS": ("00", "成功[0000000]"), "WAIT": ("05", "交易处理中"), "CLOSED": ("01", "交易失败")}[status]
        fields = {
            "origRespCode": orig[0],
            "origRespMsg": orig[1],
            "queryId": trade["trade_no"],
            "txnAmt": str(trade["amount_fen"]),
            "currencyCode": "156",
        }
        if trade["paid_at"]:
            fields["traceTime"] = f"{local(trade['paid_at']):%m%d%H%M%S}"
        return self._answer({**params, "txnType": "00"}, algorithm, "00", "成功[0000000]", **fields)

    def _file(self, params: dict[str, str], algorithm: str, mer_id: str) -> Response:
        settle = params.get("settleDate", "")
        today = local(now()).date()
        day = None
        for year in (today.year, today.year - 1):
            try:
                candidate = datetime.strptime(f"{year}{settle}", "%Y%m%d").date()  # noqa: DTZ007
            except ValueError:
                continue
            if candidate <= today:
                day = candidate
                break
        if day is None:
            return self._answer(params, algorithm, "98", "文件不存在")
        content = self.sim.statement("unionpay", day, mer_id)
        return self._answer(
            params,
            algorithm,
            "00",
            "成功[0000000]",
            settleDate=settle,
            fileName=f"INN{day:%y%m%d}88ZM_{mer_id}",
            fileContent=base64.b64encode(zlib.compress(content)).decode(),
        )

    # -- notifications --------------------------------------------------------------------------------

    def paid_event(self, trade: dict[str, Any]) -> dict[str, Any]:
        paid = local(trade["paid_at"])
        return {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "bizType": "000000",
            "txnType": "01",
            "txnSubType": "07",
            "accessType": "0",
            "merId": trade["merchant"],
            "orderId": trade["out_trade_no"],
            "txnTime": f"{local(trade['created_at']):%Y%m%d%H%M%S}",
            "txnAmt": str(trade["amount_fen"]),
            "currencyCode": "156",
            "queryId": trade["trade_no"],
            "traceNo": trade["trade_no"][-6:],
            "traceTime": f"{paid:%m%d%H%M%S}",
            "settleAmt": str(trade["amount_fen"]),
            "settleCurrencyCode": "156",
            "settleDate": f"{paid:%m%d}",
            "respCode": "00",
            "respMsg": "成功[0000000]",
        }

    def render_notification(self, trade: dict[str, Any], payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        params = self._sign(payload, trade["algorithm"])
        return urllib.parse.urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded"}

    def accepted(self, status: int, body: bytes) -> bool:
        return status == 200

    # -- statement --------------------------------------------------------------------------------------

    def statement(self, day: date, merchant: dict[str, str]) -> tuple[bytes, str]:
        payments, refunds = self.settled(day, merchant)
        mer_id = merchant["merchant_id"]
        lines = [
            f"# UnionPay reconciliation file, merchant {mer_id}, settle date {day:%Y%m%d}",
            "# txnType|orderId|queryId|txnAmt|fee|settleDate|origOrderId|currencyCode",
        ]
        for p in payments:
            lines.append(
                f"01|{p['out_trade_no']}|{p['trade_no']}|{p['amount_fen']:012d}|{_amount12(p['fee_fen'])}|"
                f"{day:%Y%m%d}||156"
            )
        for r in refunds:
            lines.append(
                f"04|{r['out_refund_no']}|{r['refund_no']}|{r['amount_fen']:012d}|{_amount12(r['fee_fen'])}|"
                f"{day:%Y%m%d}|{r['out_trade_no']}|156"
            )
        return ("\n".join(lines) + "\n").encode(), f"INN{day:%y%m%d}88ZM_{mer_id}"


def _amount12(fen: int) -> str:
    """A 12-character fen figure, sign included."""
    return f"-{-fen:011d}" if fen < 0 else f"{fen:012d}"
