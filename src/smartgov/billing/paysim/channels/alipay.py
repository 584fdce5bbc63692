"""Alipay as the simulator plays it: gateway.do methods, form notifications, the trade statement."""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from datetime import date, datetime
from typing import Any

from ..web import Request, Response
from .base import CHINA, SimChannel, local, yuan

_YUAN = re.compile(r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?")
_STATUS = {"WAIT": "WAIT_BUYER_PAY", "SUCCESS": "TRADE_SUCCESS", "CLOSED": "TRADE_CLOSED"}


def signing_string(params: dict[str, str], exclude: tuple[str, ...]) -> bytes:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in exclude and params[k] != "").encode()


def fen(text: str) -> int | None:
    if not _YUAN.fullmatch(text or ""):
        return None
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


class AlipaySim(SimChannel):
    name = "alipay"

    def _answer(self, method: str, node: dict[str, Any], algorithm: str) -> Response:
        name = method.replace(".", "_") + "_response" if method else "error_response"
        text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
        sign = self.provider_signer("SM2" if algorithm == "SM2" else "RSA").sign_b64(text.encode())
        body = '{"' + name + '":' + text + ',"sign":"' + sign + '"}'
        return Response(200, body.encode(), "application/json; charset=utf-8")

    @staticmethod
    def _error(code: str, msg: str, sub_code: str, sub_msg: str) -> dict[str, Any]:
        return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}

    def handle(self, request: Request, rest: str) -> Response:
        if rest != "gateway.do" or request.method != "POST":
            return Response(404, b"not found")
        params = request.form()
        method = params.get("method", "")
        sign_type = params.get("sign_type", "")
        algorithm = "SM2" if sign_type == "SM2" else "RSA"
        merchant = self.merchant(app_id=params.get("app_id", ""))
        if merchant is None:
            return self._answer(
                method, self._error("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数"), algorithm
            )
        if sign_type not in {"RSA2", "SM2"} or not self.merchant_verifier(algorithm, merchant).verify_b64(
            signing_string(params, ("sign",)), params.get("sign", "")
        ):
            return self._answer(
                method, self._error("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错"), algorithm
            )
        try:
            biz = json.loads(params.get("biz_content", "{}"))
            if not isinstance(biz, dict):
                raise ValueError
        except ValueError:
            return self._answer(
                method,
                self._error("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content 无效"),
                algorithm,
            )
        handler = {
            "alipay.trade.precreate": self._precreate,
            "alipay.trade.query": self._query,
            "alipay.trade.refund": self._refund,
            "alipay.data.dataservice.bill.downloadurl.query": self._bill,
        }.get(method)
        if handler is None:
            return self._answer(
                method, self._error("40004", "Business Failed", "isv.invalid-method", "不存在的方法名"), algorithm
            )
        return self._answer(method, handler(params, biz, algorithm, merchant["merchant_id"]), algorithm)

    def _precreate(self, params: dict[str, str], biz: dict[str, Any], algorithm: str, merchant: str) -> dict[str, Any]:
        amount = fen(str(biz.get("total_amount", "")))
        if not biz.get("out_trade_no") or amount is None or amount <= 0 or not biz.get("subject"):
            return self._error("40004", "Business Failed", "ACQ.INVALID_PARAMETER", "参数无效")
        try:
            expires = datetime.strptime(str(biz["time_expire"]), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        except (KeyError, ValueError):
            expires = datetime.fromtimestamp(self._now() + 2 * 3600, CHINA)  # the documented default: 2 hours
        from ..app import TradeConflict

        try:
            trade = self.sim.create_trade(
                "alipay",
                merchant=merchant,
                out_trade_no=str(biz["out_trade_no"]),
                amount_fen=amount,
                currency="CNY",
                subject=str(biz["subject"]),
                notify_url=params.get("notify_url", ""),
                return_url=params.get("return_url", ""),
                algorithm=algorithm,
                expires_at=expires.timestamp(),
            )
        except TradeConflict:
            return self._error("40004", "Business Failed", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if self.sim.status(trade) == "SUCCESS":
            return self._error("40004", "Business Failed", "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": trade["out_trade_no"],
            "qr_code": self.sim.checkout_url(trade),
        }

    def _query(self, params: dict[str, str], biz: dict[str, Any], algorithm: str, merchant: str) -> dict[str, Any]:
        trade = self.sim.store.trade("alipay", merchant, str(biz.get("out_trade_no", "")))
        if trade is None:
            return self._error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        node = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
            "buyer_logon_id": "159****5620",
            "trade_status": _STATUS[self.sim.status(trade)],
            "total_amount": yuan(trade["amount_fen"]),
        }
        if trade["paid_at"]:
            node["send_pay_date"] = f"{local(trade['paid_at']):%Y-%m-%d %H:%M:%S}"
        return node

    def _refund(self, params: dict[str, str], biz: dict[str, Any], algorithm: str, merchant: str) -> dict[str, Any]:
        from ..app import RefundRefused

        trade = self.sim.store.trade("alipay", merchant, str(biz.get("out_trade_no", "")))
        amount = fen(str(biz.get("refund_amount", "")))
        if trade is None:
            return self._error("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if amount is None or amount <= 0:
            return self._error("40004", "Business Failed", "ACQ.INVALID_PARAMETER", "退款金额无效")
        request_no = str(biz.get("out_request_no") or trade["out_trade_no"])
        try:
            trade, _, new = self.sim.refund("alipay", trade, request_no, amount)
        except RefundRefused as exc:
            sub = {
                "AMOUNT": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                "TRADE_STATUS": "ACQ.TRADE_STATUS_ERROR",
                "DUPLICATE": "ACQ.REFUND_CHARGE_ERROR",
            }[exc.code]
            return self._error("40004", "Business Failed", sub, str(exc))
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
            "buyer_logon_id": "159****5620",
            "fund_change": "Y" if new else "N",
            "refund_fee": yuan(trade["refunded_fen"]),
        }

    def _bill(self, params: dict[str, str], biz: dict[str, Any], algorithm: str, merchant: str) -> dict[str, Any]:
        try:
            day = date.fromisoformat(str(biz.get("bill_date", "")))
        except ValueError:
            return self._error("40004", "Business Failed", "isp.bill_not_exist", "账单不存在")
        if day > local(self._now()).date():
            return self._error("40004", "Business Failed", "isp.bill_not_exist", "账单不存在")
        return {"code": "10000", "msg": "Success", "bill_download_url": self.sim.download_url("alipay", day, merchant)}

    @staticmethod
    def _now() -> float:
        from ..store import now

        return now()

    # -- notifications --------------------------------------------------------------------------------

    def _event(self, trade: dict[str, Any], status: str, **extra: str) -> dict[str, Any]:
        payload = {
            "notify_type": "trade_status_sync",
            "notify_id": uuid.uuid4().hex,
            "app_id": self.merchant_of(trade)["app_id"],
            "seller_id": trade["merchant"],
            "charset": "utf-8",
            "version": "1.0",
            "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"],
            "trade_status": status,
            "total_amount": yuan(trade["amount_fen"]),
            "receipt_amount": yuan(trade["amount_fen"]),
            "buyer_pay_amount": yuan(trade["amount_fen"]),
            "subject": trade["subject"],
            "gmt_create": f"{local(trade['created_at']):%Y-%m-%d %H:%M:%S}",
            "buyer_id": "2088102177846880",
            **extra,
        }
        if trade["paid_at"]:
            payload["gmt_payment"] = f"{local(trade['paid_at']):%Y-%m-%d %H:%M:%S}"
        return payload

    def paid_event(self, trade: dict[str, Any]) -> dict[str, Any]:
        return self._event(trade, "TRADE_SUCCESS")

    def closed_event(self, trade: dict[str, Any]) -> dict[str, Any]:
        return self._event(trade, "TRADE_CLOSED", gmt_close=f"{local(trade['closed_at']):%Y-%m-%d %H:%M:%S}")

    def refund_event(self, trade: dict[str, Any], refund: dict[str, Any]) -> dict[str, Any]:
        # As documented: a partial refund keeps TRADE_SUCCESS, a full one closes the trade.
        status = "TRADE_CLOSED" if trade["refunded_fen"] >= trade["amount_fen"] else "TRADE_SUCCESS"
        return self._event(
            trade,
            status,
            refund_fee=yuan(trade["refunded_fen"]),
            out_biz_no=refund["out_refund_no"],
            gmt_refund=f"{local(refund['created_at']):%Y-%m-%d %H:%M:%S}",
        )

    def render_notification(self, trade: dict[str, Any], payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        params = {
            **payload,
            "notify_time": f"{local(self._now()):%Y-%m-%d %H:%M:%S}",
            "sign_type": "SM2" if trade["algorithm"] == "SM2" else "RSA2",
        }
        params["sign"] = self.provider_signer(trade["algorithm"]).sign_b64(
            signing_string(params, ("sign", "sign_type"))
        )
        return urllib.parse.urlencode(params).encode(), {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"
        }

    def accepted(self, status: int, body: bytes) -> bool:
        return status == 200 and body.strip() == b"success"

    # -- statement --------------------------------------------------------------------------------------

    def statement(self, day: date, merchant: dict[str, str]) -> tuple[bytes, str]:
        payments, refunds = self.settled(day, merchant)
        head = [
            "支付宝交易号",
            "商户订单号",
            "业务类型",
            "商品名称",
            "创建时间",
            "完成时间",
            "订单金额（元）",
            "商家实收（元）",
            "服务费（元）",
            "退款批次号/请求号",
            "备注",
        ]
        lines = [
            "#支付宝业务明细查询",
            f"#账号：[{merchant['merchant_id']}]",
            f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day:%Y年%m月%d日} 23:59:59]",
            "#-----------------------------------------业务明细列表----------------------------------------",
            ",".join(head),
        ]
        for p in payments:
            lines.append(
                ",".join(
                    [
                        p["trade_no"],
                        p["out_trade_no"],
                        "交易",
                        _cell(p["subject"]),
                        f"{local(p['created_at']):%Y-%m-%d %H:%M:%S}",
                        f"{local(p['paid_at']):%Y-%m-%d %H:%M:%S}",
                        yuan(p["amount_fen"]),
                        yuan(p["amount_fen"]),
                        yuan(-p["fee_fen"]),
                        "",
                        "",
                    ]
                )
            )
        for r in refunds:
            lines.append(
                ",".join(
                    [
                        r["trade_no"],
                        r["out_trade_no"],
                        "退款",
                        _cell(r["subject"]),
                        f"{local(r['trade_created_at']):%Y-%m-%d %H:%M:%S}",
                        f"{local(r['created_at']):%Y-%m-%d %H:%M:%S}",
                        yuan(-r["amount_fen"]),
                        yuan(-r["amount_fen"]),
                        yuan(-r["fee_fen"]),
                        r["out_refund_no"],
                        "",
                    ]
                )
            )
        total = sum(p["amount_fen"] for p in payments)
        refunded = sum(r["amount_fen"] for r in refunds)
        lines += [
            "#-----------------------------------------业务明细列表结束------------------------------------",
            f"#交易合计：{len(payments)}笔，商家实收：{yuan(total)}元，"
            f"服务费：{yuan(sum(p['fee_fen'] for p in payments))}元",
            f"#退款合计：{len(refunds)}笔，商家实收：{yuan(-refunded)}元",
            f"#导出时间：[{local(self._now()):%Y年%m月%d日 %H:%M:%S}]",
        ]
        name = f"{merchant['merchant_id']}_{day:%Y%m%d}_业务明细.csv"
        return ("\n".join(lines) + "\n").encode(), name


def _cell(text: str) -> str:
    """A statement cell: commas and quotes in a subject would break the CSV, as Alipay's own file avoids."""
    return text.replace(",", "，").replace('"', "＂").replace("\n", " ")
