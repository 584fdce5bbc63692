"""What a receipt says and how it is signed and printed.

``content`` is a plain JSON-able dict built once, at issue; ``canonical`` turns it into the bytes the
tenant signs (sorted keys, no insignificant white space, UTF-8), so the verification page and the PDF
need nothing but the stored content. The layout follows the fiscal electronic receipt (财政电子票据):
payer, collecting agency, items, the amount in figures and in capital numerals, the payment channel
and its reference, the receipt number and issue time, the seal and the QR code to verify it.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from smartgov.kit import money, pdf, signing

CONTENT_VERSION = 1
CHANNEL_NAMES = {
    "alipay": "支付宝 Alipay",
    "wechat": "微信支付 WeChat Pay",
    "unionpay": "银联 UnionPay",
    "bank": "银行转账 Bank transfer",
}


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def local_time(iso: str, zone: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")


def render(content: dict[str, Any], *, signature: signing.Signature, verify_url: str) -> bytes:
    """The receipt as a signed-document PDF (kit.pdf), from its stored content."""
    currency = content["currency"]
    zone = content.get("time_zone", "Asia/Shanghai")
    rows = [
        ("交款人 Payer", content["payer"]),
        ("执收单位 Biller", content["biller"]["name"]),
        ("缴款码 Payment code", content["payment_code"]),
        ("金额 Amount", money.format_amount(content["amount_fen"], currency)),
        ("金额大写 In words", content["amount_in_words"]),
        ("支付渠道 Channel", CHANNEL_NAMES.get(content["channel"], content["channel"])),
        ("交易流水号 Reference", content["provider_reference"] or content["out_trade_no"]),
        ("商户订单号 Order no.", content["out_trade_no"]),
        ("缴款时间 Paid at", local_time(content["paid_at"], zone)),
        ("开票时间 Issued at", local_time(content["issued_at"], zone)),
    ]
    items = [
        (item["item"], item["quantity"], money.format_amount(item["unit_price_fen"], currency),
         money.format_amount(item["amount_fen"], currency))
        for item in content["items"]
    ]
    document = pdf.SignedDocument(
        issuer=content["issuer"],
        title="财政电子票据 Electronic Receipt",
        number=content["number"],
        rows=rows,
        verify_url=verify_url,
        signature_lines=[
            f"{signature.algorithm} key {signing.fingerprint(signature.public_key)}",
            f"signature {signature.value}",
        ],
        items_header=("项目 Item", "数量 Qty", "单价 Unit price", "金额 Amount"),
        items=items,
        footer="扫描二维码或访问上方链接查验真伪 Scan the QR code to verify this receipt",
    )
    return pdf.render(document)
