"""The fake channel with a daily statement: a plain CSV, parsed as strictly as the real adapters
(``ValueError`` naming the line)."""

from __future__ import annotations

import csv
import io
from datetime import date

from smartgov.billing.providers.base import StatementRow
from tests.billing.fakes import FakeProvider

HEADER = ["kind", "out_trade_no", "out_refund_no", "trade_no", "amount_fen", "fee_fen", "currency", "settled_on"]


class StatementFakeProvider(FakeProvider):
    def parse_statement(self, content: bytes) -> list[StatementRow]:
        lines = content.decode("utf-8").splitlines()
        if not lines or next(csv.reader([lines[0]])) != HEADER:
            raise ValueError("line 1: the header is not " + ",".join(HEADER))
        rows = []
        for number, text in enumerate(lines[1:], start=2):
            cells = next(csv.reader(io.StringIO(text)))
            if len(cells) != len(HEADER):
                raise ValueError(f"line {number}: {len(cells)} cells, the header has {len(HEADER)}")
            kind, trade, refund, trade_no, amount, fee, currency, day = cells
            if kind not in ("payment", "refund"):
                raise ValueError(f"line {number}: unknown kind {kind!r}")
            try:
                amount_fen, fee_fen, settled = int(amount), int(fee), date.fromisoformat(day)
            except ValueError as exc:
                raise ValueError(f"line {number}: {exc}") from None
            if amount_fen <= 0:
                raise ValueError(f"line {number}: amount must be positive")
            rows.append(StatementRow(kind, trade, trade_no, amount_fen, fee_fen, currency, settled, refund))
        return rows


def statement(*rows: tuple) -> bytes:
    out = [",".join(HEADER)]
    for row in rows:
        out.append(",".join(str(c) for c in row))
    return ("\n".join(out) + "\n").encode()


PROVIDERS = {"fakepay": {"class": "tests.billing.reconciliation.fakes.StatementFakeProvider"}}
