"""WeChat Pay API v3 as the simulator plays it: signed JSON APIs, encrypted notifications, trade bills."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..store import now
from ..web import Request, Response, json_response
from .base import SimChannel, local, yuan

_AUTH = re.compile(r"(WECHATPAY2-SHA256-RSA2048|WECHATPAY2-SM2-WITH-SM3) (.*)")
_STATE = {"WAIT": "NOTPAY", "SUCCESS": "SUCCESS", "CLOSED": "CLOSED"}
_DESCRIPTION = {"SUCCESS": "支付成功", "REFUND": "转入退款", "NOTPAY": "未支付", "CLOSED": "已关闭"}
MAX_SKEW = 300


class WeChatSim(SimChannel):
    name = "wechat"

    def _signed(self, body: bytes, algorithm: str) -> dict[str, str]:
        timestamp, nonce = str(int(now())), secrets.token_hex(16).upper()
        signature = self.provider_signer(algorithm).sign_b64(f"{timestamp}\n{nonce}\n".encode() + body + b"\n")
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": self.provider_verifier(algorithm).fingerprint,
            "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"
            if algorithm == "SM2"
            else "WECHATPAY2-SHA256-RSA2048",
            "Request-ID": uuid.uuid4().hex,
        }

    def _answer(self, value: Any, status: int, algorithm: str) -> Response:
        response = json_response(value, status)
        response.headers.update(self._signed(response.body, algorithm))
        return response

    def _error(self, status: int, code: str, message: str, algorithm: str) -> Response:
        return self._answer({"code": code, "message": message}, status, algorithm)

    def _authenticate(self, request: Request) -> tuple[str, dict[str, str]] | None:
        """The algorithm and the merchant of a request correctly signed by one of our merchants, or None."""
        found = _AUTH.fullmatch(request.header("Authorization"))
        if not found:
            return None
        fields = dict(re.findall(r'(\w+)="([^"]*)"', found.group(2)))
        algorithm = "SM2" if found.group(1) == "WECHATPAY2-SM2-WITH-SM3" else "RSA"
        merchant = self.merchant(merchant_id=fields.get("mchid", ""))
        if merchant is None or not fields.get("timestamp", "").isdigit():
            return None
        if abs(now() - int(fields["timestamp"])) > MAX_SKEW:
            return None
        message = (
            (
                f"{request.method}\n{request.path_and_query}\n{fields['timestamp']}\n{fields.get('nonce_str', '')}\n"
            ).encode()
            + request.body
            + b"\n"
        )
        if not self.merchant_verifier(algorithm, merchant).verify_b64(message, fields.get("signature", "")):
            return None
        return algorithm, merchant

    def handle(self, request: Request, rest: str) -> Response:
        if rest == "v3/billdownload/file":
            return self._download(request)
        signed = self._authenticate(request)
        if signed is None:
            return self._error(401, "SIGN_ERROR", "签名错误", "RSA")
        algorithm, merchant = signed
        mchid = merchant["merchant_id"]
        if request.method == "POST" and rest in {"v3/pay/transactions/h5", "v3/pay/transactions/native"}:
            return self._order(request, rest.rsplit("/", 1)[1], algorithm, merchant)
        if request.method == "GET" and rest.startswith("v3/pay/transactions/out-trade-no/"):
            trade = self.sim.store.trade("wechat", mchid, rest.rsplit("/", 1)[1])
            if trade is None or request.query.get("mchid") != mchid:
                return self._error(404, "ORDER_NOT_EXIST", "订单不存在", algorithm)
            return self._answer(self.transaction(trade), 200, algorithm)
        if request.method == "POST" and rest == "v3/refund/domestic/refunds":
            return self._refund(request, algorithm, mchid)
        if request.method == "GET" and rest == "v3/bill/tradebill":
            try:
                day = date.fromisoformat(request.query.get("bill_date", ""))
            except ValueError:
                return self._error(400, "PARAM_ERROR", "bill_date 无效", algorithm)
            content = self.sim.statement("wechat", day, mchid)
            token = self.sim.download_token("wechat", day, mchid)
            return self._answer(
                {
                    "hash_type": "SHA1",
                    "hash_value": hashlib.sha1(content).hexdigest(),  # noqa: S324
                    "download_url": f"{self.sim.public_url}/wechat/v3/billdownload/file?token={token}&bill_date={day}",
                },
                200,
                algorithm,
            )
        return self._error(404, "NOT_FOUND", "接口不存在", algorithm)

    def _body(self, request: Request) -> dict[str, Any] | None:
        try:
            value = json.loads(request.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def _order(self, request: Request, kind: str, algorithm: str, merchant: dict[str, str]) -> Response:
        from ..app import TradeConflict

        body = self._body(request)
        amount = (body or {}).get("amount") or {}
        total = amount.get("total") if isinstance(amount, dict) else None
        if (
            body is None
            or body.get("mchid") != merchant["merchant_id"]
            or body.get("appid") != merchant["app_id"]
            or not body.get("out_trade_no")
            or not isinstance(total, int)
            or isinstance(total, bool)
            or total <= 0
            or amount.get("currency", "CNY") != "CNY"
            or not body.get("notify_url")
        ):
            return self._error(400, "PARAM_ERROR", "参数错误", algorithm)
        try:
            expires = datetime.fromisoformat(str(body["time_expire"])).timestamp()
        except (KeyError, ValueError):
            expires = now() + 2 * 3600
        try:
            trade = self.sim.create_trade(
                "wechat",
                merchant=merchant["merchant_id"],
                out_trade_no=str(body["out_trade_no"]),
                amount_fen=total,
                currency="CNY",
                subject=str(body.get("description", "")),
                notify_url=str(body["notify_url"]),
                return_url="",
                algorithm=algorithm,
                expires_at=expires,
            )
        except TradeConflict:
            return self._error(400, "INVALID_REQUEST", "订单号重复", algorithm)
        if self.sim.status(trade) == "SUCCESS":
            return self._error(400, "ORDERPAID", "该订单已支付", algorithm)
        prepay = f"wx{trade['token']}"
        if kind == "native":
            return self._answer({"code_url": f"{self.sim.checkout_url(trade)}?prepay_id={prepay}"}, 200, algorithm)
        return self._answer(
            {"h5_url": f"{self.sim.checkout_url(trade)}?prepay_id={prepay}&package=2150917749"}, 200, algorithm
        )

    def _refund(self, request: Request, algorithm: str, mchid: str) -> Response:
        from ..app import RefundRefused

        body = self._body(request) or {}
        amount: dict[str, Any] = body["amount"] if isinstance(body.get("amount"), dict) else {}
        refund, total = amount.get("refund"), amount.get("total")
        trade = self.sim.store.trade("wechat", mchid, str(body.get("out_trade_no", "")))
        if trade is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "订单不存在", algorithm)
        if (
            not body.get("out_refund_no")
            or not isinstance(refund, int)
            or isinstance(refund, bool)
            or total != trade["amount_fen"]
            or amount.get("currency", "CNY") != "CNY"
        ):
            return self._error(400, "PARAM_ERROR", "参数错误", algorithm)
        try:
            trade, row, _ = self.sim.refund("wechat", trade, str(body["out_refund_no"]), refund)
        except RefundRefused as exc:
            code = {"AMOUNT": "NOT_ENOUGH", "TRADE_STATUS": "INVALID_REQUEST", "DUPLICATE": "INVALID_REQUEST"}
            return self._error(403 if exc.code == "AMOUNT" else 400, code[exc.code], str(exc), algorithm)
        return self._answer(
            {
                "refund_id": row["refund_no"],
                "out_refund_no": row["out_refund_no"],
                "transaction_id": trade["trade_no"],
                "out_trade_no": trade["out_trade_no"],
                "channel": "ORIGINAL",
                "user_received_account": "支付用户零钱",
                "success_time": local(row["created_at"]).isoformat(timespec="seconds"),
                "create_time": local(row["created_at"]).isoformat(timespec="seconds"),
                "status": "SUCCESS",
                "amount": {
                    "total": trade["amount_fen"],
                    "refund": row["amount_fen"],
                    "payer_total": trade["amount_fen"],
                    "payer_refund": row["amount_fen"],
                    "currency": "CNY",
                },
            },
            200,
            algorithm,
        )

    def _download(self, request: Request) -> Response:
        signed = self._authenticate(request)
        if signed is None:
            return json_response({"code": "SIGN_ERROR", "message": "签名错误"}, 401)
        mchid = signed[1]["merchant_id"]
        try:
            day = date.fromisoformat(request.query.get("bill_date", ""))
        except ValueError:
            return Response(404, b"no such bill")
        if request.query.get("token") != self.sim.download_token("wechat", day, mchid):
            return Response(403, b"download link invalid")
        return Response(200, self.sim.statement("wechat", day, mchid), "text/csv; charset=utf-8")

    def transaction(self, trade: dict[str, Any]) -> dict[str, Any]:
        state = _STATE[self.sim.status(trade)]
        if state == "SUCCESS" and trade["refunded_fen"]:
            state = "REFUND"
        merchant = self.merchant_of(trade)
        value: dict[str, Any] = {
            "appid": merchant["app_id"],
            "mchid": merchant["merchant_id"],
            "out_trade_no": trade["out_trade_no"],
            "transaction_id": trade["trade_no"],
            "trade_type": "MWEB",
            "trade_state": state,
            "trade_state_desc": _DESCRIPTION[state],
            "bank_type": "OTHERS",
            "attach": "",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {
                "total": trade["amount_fen"],
                "payer_total": trade["amount_fen"],
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        if trade["paid_at"]:
            value["success_time"] = local(trade["paid_at"]).isoformat(timespec="seconds")
        return value

    # -- notifications --------------------------------------------------------------------------------

    def paid_event(self, trade: dict[str, Any]) -> dict[str, Any]:
        return {"event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "transaction": self.transaction(trade)}

    def render_notification(self, trade: dict[str, Any], payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        # Encrypted under the APIv3 key of the merchant the trade belongs to.
        key = self.sim.key(self.merchant_of(trade).get("keys_folder") or "wechat", "apiv3.key").strip().encode()
        nonce = secrets.token_urlsafe(9)[:12]
        plaintext = json.dumps(payload["transaction"], ensure_ascii=False, separators=(",", ":")).encode()
        ciphertext = AESGCM(key).encrypt(nonce.encode(), plaintext, b"transaction")
        envelope = {
            "id": str(uuid.uuid4()),
            "create_time": local(now()).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": payload["event_type"],
            "summary": payload["summary"],
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        return body, {"Content-Type": "application/json", **self._signed(body, trade["algorithm"])}

    def accepted(self, status: int, body: bytes) -> bool:
        return status in {200, 204}

    def return_url(self, trade: dict[str, Any], form: dict[str, str]) -> str:
        # H5 payments return the payer to the redirect_url the merchant appended to h5_url.
        return form.get("redirect_url", "")

    # -- statement --------------------------------------------------------------------------------------

    def statement(self, day: date, merchant: dict[str, str]) -> tuple[bytes, str]:
        payments, refunds = self.settled(day, merchant)
        appid, mchid = merchant["app_id"], merchant["merchant_id"]
        head = [
            "交易时间",
            "公众账号ID",
            "商户号",
            "特约商户号",
            "设备号",
            "微信订单号",
            "商户订单号",
            "用户标识",
            "交易类型",
            "交易状态",
            "付款银行",
            "货币种类",
            "应结订单金额",
            "代金券金额",
            "微信退款单号",
            "商户退款单号",
            "退款金额",
            "充值券退款金额",
            "退款类型",
            "退款状态",
            "商品名称",
            "商户数据包",
            "手续费",
            "费率",
            "订单金额",
            "申请退款金额",
            "费率备注",
        ]
        rate = f"{float(self.sim.config.fee_rates.get('wechat', '0')) * 100:.2f}%"
        lines = [",".join(head)]

        def row(cells: list[str]) -> str:
            return ",".join("`" + cell.replace(",", "，") for cell in cells)

        def fee5(fen_value: int) -> str:
            return f"{yuan(fen_value)}000"

        for p in payments:
            lines.append(
                row(
                    [
                        f"{local(p['paid_at']):%Y-%m-%d %H:%M:%S}",
                        appid,
                        mchid,
                        "0",
                        "",
                        p["trade_no"],
                        p["out_trade_no"],
                        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                        "MWEB",
                        "SUCCESS",
                        "OTHERS",
                        "CNY",
                        yuan(p["amount_fen"]),
                        "0.00",
                        "0",
                        "0",
                        "0.00",
                        "0.00",
                        "",
                        "",
                        p["subject"],
                        "",
                        fee5(p["fee_fen"]),
                        rate,
                        yuan(p["amount_fen"]),
                        "0.00",
                        "",
                    ]
                )
            )
        for r in refunds:
            lines.append(
                row(
                    [
                        f"{local(r['created_at']):%Y-%m-%d %H:%M:%S}",
                        appid,
                        mchid,
                        "0",
                        "",
                        r["trade_no"],
                        r["out_trade_no"],
                        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                        "MWEB",
                        "REFUND",
                        "OTHERS",
                        "CNY",
                        yuan(r["trade_amount_fen"]),
                        "0.00",
                        r["refund_no"],
                        r["out_refund_no"],
                        yuan(r["amount_fen"]),
                        "0.00",
                        "ORIGINAL",
                        "SUCCESS",
                        r["subject"],
                        "",
                        fee5(r["fee_fen"]),
                        rate,
                        yuan(r["trade_amount_fen"]),
                        yuan(r["amount_fen"]),
                        "",
                    ]
                )
            )
        total = sum(p["amount_fen"] for p in payments)
        refunded = sum(r["amount_fen"] for r in refunds)
        fees = sum(p["fee_fen"] for p in payments) + sum(r["fee_fen"] for r in refunds)
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(
            row(
                [
                    str(len(payments) + len(refunds)),
                    yuan(total),
                    yuan(refunded),
                    "0.00",
                    fee5(fees),
                    yuan(total),
                    yuan(refunded),
                ]
            )
        )
        return ("\n".join(lines) + "\n").encode(), f"{mchid}_{day:%Y%m%d}_ALL.csv"
