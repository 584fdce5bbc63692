"""A bank as the simulator plays it: the payer's online banking (a transfer form) and the enterprise
interface that hands the account holder its signed daily statement."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from ..store import now
from ..web import Request, Response, escape, page
from .base import SimChannel, day_bounds, local, yuan

_YUAN = re.compile(r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?")
MAX_SKEW = 300


class BankSim(SimChannel):
    name = "bank"

    @property
    def account(self) -> dict[str, str]:
        """The default merchant's account: the one the transfer form offers."""
        return self.sim.default_merchant("bank")

    def handle(self, request: Request, rest: str) -> Response:
        if rest == "transfer":
            return self._transfer(request)
        found = re.fullmatch(r"statements/(\d{4}-\d{2}-\d{2})\.csv", rest)
        if found and request.method == "GET":
            return self._statement(request, found.group(1))
        return Response(404, b"not found")

    def _transfer(self, request: Request) -> Response:
        """The payer's side: a transfer to any account, with a note. Only transfers to one of our
        merchants' accounts show up, in that account's statement; others leave the simulated bank."""
        if request.method == "POST":
            form = request.form()
            amount = form.get("amount", "").strip()
            if not _YUAN.fullmatch(amount) or amount in {"0", "0.0", "0.00"}:
                return page("转账失败 / Transfer refused", "<h1>金额无效 / Invalid amount</h1>", 400)
            whole, _, cents = amount.partition(".")
            fen = int(whole) * 100 + int((cents + "00")[:2])
            payee = self.merchant(account_no=form.get("payee_account", "").strip())
            if payee is not None:
                serial = f"{local(now()):%Y%m%d}{secrets.randbelow(10**12):012d}"
                with self.sim.store.transaction() as db:
                    db.execute(
                        "INSERT INTO bank_transfers (serial, direction, amount_fen, counterparty_name,"
                        " counterparty_account, note, created_at, account) VALUES (?, '贷', ?, ?, ?, ?, ?, ?)",
                        (
                            serial,
                            fen,
                            form.get("payer_name", "")[:60],
                            form.get("payer_account", "")[:40],
                            form.get("note", "")[:140],
                            now(),
                            payee["account_no"],
                        ),
                    )
            return page("转账成功 / Transfer done", f"<h1>转账成功 / Transfer done</h1><p>¥ {escape(amount)}</p>")
        a = self.account
        return page(
            "网上银行转账 / Online banking transfer",
            f"""<h1>转账 / Transfer</h1>
<form method="post" action="/bank/transfer">
<p><label>付款人 / Payer <input name="payer_name" required></label></p>
<p><label>付款账号 / Payer account <input name="payer_account" required></label></p>
<p><label>收款账号 / Payee account <input name="payee_account" value="{escape(a["account_no"])}" required></label></p>
<p><label>金额（元）/ Amount <input name="amount" inputmode="decimal" required></label></p>
<p><label>附言 / Note <input name="note"></label></p>
<button type="submit">转账 / Transfer</button></form>""",
        )

    def _statement(self, request: Request, day_text: str) -> Response:
        algorithm = "SM2" if request.header("X-Bank-Sign-Type") == "SM2" else "RSA"
        timestamp, nonce = request.header("X-Bank-Timestamp"), request.header("X-Bank-Nonce")
        message = f"GET\n{request.path}\n{timestamp}\n{nonce}\n".encode()
        customer = self.merchant(merchant_id=request.header("X-Bank-Customer"))
        if (
            customer is None
            or not timestamp.isdigit()
            or abs(now() - int(timestamp)) > MAX_SKEW
            or not self.merchant_verifier(algorithm, customer).verify_b64(message, request.header("X-Bank-Signature"))
        ):
            return Response(401, b"signature refused")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return Response(404, b"no such day")
        content = self.sim.statement("bank", day, customer["merchant_id"])
        return Response(
            200,
            content,
            "text/csv; charset=utf-8",
            {"X-Bank-Signature": self.provider_signer(algorithm).sign_b64(content)},
        )

    def statement(self, day: date, merchant: dict[str, str]) -> tuple[bytes, str]:
        start, end = day_bounds(day)
        # Transfers recorded before accounts were told apart went to the default account.
        legacy = "" if merchant["merchant_id"] == self.account["merchant_id"] else "-"
        rows = self.sim.store.all(
            "SELECT * FROM bank_transfers WHERE account IN (?, ?) AND created_at >= ? AND created_at < ?"
            " ORDER BY created_at, id",
            merchant["account_no"],
            legacy,
            start,
            end,
        )
        # The account line comes first, as on a bank's 账户明细: whose statement this is.
        lines = [f"#账号：[{merchant['account_no']}]", "交易日期,交易时间,流水号,借贷标志,金额,对方户名,对方账号,附言"]
        for row in rows:
            when = local(row["created_at"])
            lines.append(
                ",".join(
                    [
                        f"{when:%Y-%m-%d}",
                        f"{when:%H:%M:%S}",
                        row["serial"],
                        row["direction"],
                        yuan(row["amount_fen"]),
                        _cell(row["counterparty_name"]),
                        _cell(row["counterparty_account"]),
                        _cell(row["note"]),
                    ]
                )
            )
        return ("\n".join(lines) + "\n").encode(), f"{merchant['account_no']}_{day:%Y%m%d}.csv"

    def paid_event(self, trade: dict[str, Any]) -> None:
        return None


def _cell(text: str) -> str:
    return text.replace(",", "，").replace('"', "＂").replace("\n", " ")
