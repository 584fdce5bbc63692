# ruff: noqa: E501 (statement samples are verbatim lines)
"""Parsing each channel's settlement statement: the rows, the fees' signs, and malformed lines
refused with a ValueError naming the line."""

from __future__ import annotations

from datetime import date

import pytest

from smartgov.billing.providers.base import StatementRow

ALIPAY = """#支付宝业务明细查询
#账号：[2088000000000001]
#-----------------------------------------业务明细列表----------------------------------------
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,订单金额（元）,商家实收（元）,服务费（元）,退款批次号/请求号,备注
2026112422001,SG-2026-000001,交易,水费,2026-11-24 09:59:00,2026-11-24 10:00:05,123.45,123.45,-0.74,,
2026112422001,SG-2026-000001,退款,水费,2026-11-24 09:59:00,2026-11-24 23:59:59,-23.45,-23.45,0.14,RF-1,
#-----------------------------------------业务明细列表结束------------------------------------
#交易合计：1笔，商家实收：123.45元
"""

WECHAT = """交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,货币种类,应结订单金额,微信退款单号,商户退款单号,退款金额,手续费,费率
`2026-11-24 00:00:01,`wx01,`1900000001,`4200001,`SG-2026-000002,`SUCCESS,`CNY,`1.00,`0,`0,`0.00,`0.01000,`0.60%
`2026-11-24 12:00:00,`wx01,`1900000001,`4200001,`SG-2026-000002,`REFUND,`CNY,`1.00,`5000001,`RF-2,`0.50,`-0.00000,`0.60%
总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额
`2,`1.00,`0.50,`0.00,`0.01000,`1.00,`0.50
"""

UNIONPAY = """# UnionPay reconciliation file
01|SG-2026-000003|Q0001|000000010000|000000000050|20261124||156
04|RF-3|Q0002|000000002000|-00000000010|20261124|SG-2026-000003|156
"""

BANK = """交易日期,交易时间,流水号,借贷标志,金额,对方户名,对方账号,附言
2026-11-24,10:00:00,B001,贷,88.00,张三,6217000011112222,缴费 sg-2026-000004 谢谢
2026-11-24,11:00:00,B002,贷,"1,000.00",某公司,1100,货款
2026-11-24,12:00:00,B003,借,5.00,张三,6217000011112222,退款 SG-2026-000004
"""


def test_alipay(offline_conf, adapter_for):
    rows = adapter_for("alipay").parse_statement(ALIPAY.encode())
    assert rows == [
        StatementRow("payment", "SG-2026-000001", "2026112422001", 12345, 74, "CNY", date(2026, 11, 24)),
        StatementRow("refund", "SG-2026-000001", "2026112422001", 2345, -14, "CNY", date(2026, 11, 24), "RF-1"),
    ]


def test_alipay_in_gbk_as_alipay_ships_it(adapter_for):
    assert len(adapter_for("alipay").parse_statement(ALIPAY.encode("gbk"))) == 2


def test_wechat(adapter_for):
    rows = adapter_for("wechat").parse_statement(WECHAT.encode())
    assert rows == [
        StatementRow("payment", "SG-2026-000002", "4200001", 100, 1, "CNY", date(2026, 11, 24)),
        StatementRow("refund", "SG-2026-000002", "4200001", 50, 0, "CNY", date(2026, 11, 24), "RF-2"),
    ]


def test_unionpay(adapter_for):
    rows = adapter_for("unionpay").parse_statement(UNIONPAY.encode())
    assert rows == [
        StatementRow("payment", "SG-2026-000003", "Q0001", 10000, 50, "CNY", date(2026, 11, 24)),
        StatementRow("refund", "SG-2026-000003", "Q0002", 2000, -10, "CNY", date(2026, 11, 24), "RF-3"),
    ]


def test_bank_finds_the_reference_in_the_note(adapter_for):
    rows = adapter_for("bank").parse_statement(BANK.encode())
    assert [(r.kind, r.out_trade_no, r.amount_fen, r.provider_reference) for r in rows] == [
        ("payment", "SG-2026-000004", 8800, "B001"),
        ("payment", "", 100000, "B002"),  # money nobody claimed: reconciliation shows it
        ("refund", "SG-2026-000004", 500, "B003"),
    ]


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"


def _edit(text: str, number: int, old: str, new: str) -> str:
    line = text.splitlines()[number - 1]
    assert old in line
    return _replace_line(text, number, line.replace(old, new, 1))


@pytest.mark.parametrize(
    ("channel", "sample", "line", "old", "new"),
    [
        ("alipay", ALIPAY, 5, "123.45,123.45", "12.3.4,123.45"),
        ("alipay", ALIPAY, 5, ",交易,", ",转账,"),
        ("alipay", ALIPAY, 6, "RF-1,", ","),
        ("alipay", ALIPAY, 5, "2026-11-24 10:00:05", "2026-13-24 10:00:05"),
        ("alipay", ALIPAY, 6, ",水费,", ",水费,多,"),
        ("alipay", ALIPAY, 5, "2026112422001,", ","),
        ("alipay", ALIPAY, 5, "-0.74", "-0.745"),
        ("wechat", WECHAT, 2, "`1.00", "1.00"),
        ("wechat", WECHAT, 2, "`0.01000", "`0.00100"),
        ("wechat", WECHAT, 3, "`REFUND", "`REVOKED"),
        ("wechat", WECHAT, 3, "`RF-2", "`"),
        ("wechat", WECHAT, 2, "`1.00", "`-1.00"),
        ("unionpay", UNIONPAY, 2, "|156", "|156|x"),
        ("unionpay", UNIONPAY, 2, "000000010000", "00000001000a"),
        ("unionpay", UNIONPAY, 3, "-00000000010", "--0000000010"),
        ("unionpay", UNIONPAY, 2, "20261124", "20261131"),
        ("unionpay", UNIONPAY, 3, "|SG-2026-000003|", "||"),
        ("unionpay", UNIONPAY, 2, "01|", "02|"),
        ("unionpay", UNIONPAY, 2, "000000010000", "０００００００１００００"),
        ("bank", BANK, 2, ",贷,", ",收,"),
        ("bank", BANK, 2, "88.00", "88.001"),
        ("bank", BANK, 3, ",货款", ",货款,多"),
        ("bank", BANK, 4, "2026-11-24", "24/11/2026"),
    ],
)
def test_malformed_line_is_named(adapter_for, channel, sample, line, old, new):
    with pytest.raises(ValueError, match=rf"^line {line}: "):
        adapter_for(channel).parse_statement(_edit(sample, line, old, new).encode())


@pytest.mark.parametrize(
    ("channel", "sample", "line"), [("alipay", ALIPAY, 4), ("wechat", WECHAT, 1), ("bank", BANK, 1)]
)
def test_a_header_missing_a_column_is_named(adapter_for, channel, sample, line):
    header = sample.splitlines()[line - 1]
    with pytest.raises(ValueError, match=rf"^line {line}: header lacks column"):
        adapter_for(channel).parse_statement(_replace_line(sample, line, header.split(",", 1)[1]).encode())


@pytest.mark.parametrize("channel", ["alipay", "wechat", "bank"])
def test_an_empty_or_binary_statement_is_refused(adapter_for, channel):
    with pytest.raises(ValueError, match="line 1"):
        adapter_for(channel).parse_statement(b"")
    with pytest.raises(ValueError):
        adapter_for(channel).parse_statement(b"\xff\xfe\x00\x81\x00")
