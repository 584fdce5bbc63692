"""The simulator core and its WSGI application: trades, the hosted checkout page, chaos, routing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import secrets
import threading
import traceback
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from typing import Any

from .channels.alipay import AlipaySim
from .channels.bank import BankSim
from .channels.base import SimChannel, local, yuan
from .channels.unionpay import UnionPaySim
from .channels.wechat import WeChatSim
from .config import SimConfig
from .keys import ensure_keys
from .store import Store, now
from .web import Request, Response, escape, json_response, page, redirect

log = logging.getLogger("smartgov.paysim")


class TradeConflict(Exception):
    """The merchant reused an order number for a different order."""


class RefundRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Simulator:
    def __init__(self, config: SimConfig) -> None:
        config.validate()
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_keys(config.keys, config.key_folders())
        self.store = Store(config.data_dir / "paysim.sqlite3")
        self.rng = random.Random(config.seed)
        self._rng_lock = threading.Lock()
        self.wakeup = threading.Event()
        self._download_secret = secrets.token_bytes(32)
        self.channels: dict[str, SimChannel] = {
            c.name: c for c in (AlipaySim(self), WeChatSim(self), UnionPaySim(self), BankSim(self))
        }
        self.key = cache(self._read_key)

    def _read_key(self, folder: str, name: str) -> str:
        """A key file under the keys folder: ``folder`` is a channel (the provider's keys, the default
        merchant's) or a merchant's ``keys_folder``."""
        return (self.config.keys / folder / name).read_text()

    def merchant(self, channel: str, **match: str) -> dict[str, str] | None:
        """The channel's merchant whose fields have the given values (``app_id=…``, ``merchant_id=…``)."""
        for merchant in self.config.merchants[channel]:
            if all(merchant.get(k) == v for k, v in match.items()):
                return merchant
        return None

    def default_merchant(self, channel: str) -> dict[str, str]:
        return self.config.merchants[channel][0]

    @property
    def public_url(self) -> str:
        return self.config.public_url.rstrip("/")

    # -- trades ---------------------------------------------------------------------------------------

    def create_trade(
        self,
        channel: str,
        *,
        merchant: str | None = None,
        out_trade_no: str,
        amount_fen: int,
        currency: str,
        subject: str,
        notify_url: str,
        return_url: str,
        algorithm: str,
        expires_at: float,
    ) -> dict[str, Any]:
        """A new trade of ``merchant`` (its merchant id), or the existing one when the merchant repeats
        the same order (an idempotent retry). The same order number for another amount is a conflict.
        Without ``merchant``: the channel's default merchant."""
        merchant = merchant or self.default_merchant(channel)["merchant_id"]
        with self.store.transaction() as db:
            existing = db.execute(
                "SELECT * FROM trades WHERE channel = ? AND merchant = ? AND out_trade_no = ?",
                (channel, merchant, out_trade_no),
            ).fetchone()
            if existing:
                if existing["amount_fen"] != amount_fen or existing["currency"] != currency:
                    raise TradeConflict(f"{out_trade_no} exists with another amount")
                return dict(existing)
            created = now()
            trade_no = f"{local(created):%Y%m%d}{secrets.randbelow(10**16):016d}"
            db.execute(
                "INSERT INTO trades (channel, merchant, out_trade_no, trade_no, token, amount_fen, currency, subject,"
                " notify_url, return_url, algorithm, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    channel,
                    merchant,
                    out_trade_no,
                    trade_no,
                    secrets.token_urlsafe(16),
                    amount_fen,
                    currency,
                    subject,
                    notify_url,
                    return_url,
                    algorithm,
                    created,
                    expires_at,
                ),
            )
            return dict(db.execute("SELECT * FROM trades WHERE trade_no = ?", (trade_no,)).fetchone())

    def checkout_url(self, trade: dict[str, Any]) -> str:
        return f"{self.public_url}/checkout/{trade['channel']}/{trade['token']}"

    @staticmethod
    def status(trade: dict[str, Any]) -> str:
        """WAIT, SUCCESS or CLOSED; an unpaid trade past its expiry is closed."""
        if trade["status"] == "WAIT" and now() > trade["expires_at"]:
            return "CLOSED"
        return str(trade["status"])

    def emit(self, db: Any, trade: dict[str, Any], payload: dict[str, Any] | None) -> None:
        """Schedule a notification, with the chaos the configuration asks for (seeded)."""
        if payload is None or not trade["notify_url"]:
            return
        with self._rng_lock:
            held_back = self.rng.random() < self.config.reorder_probability
            twice = self.rng.random() < self.config.duplicate_probability
            copy_lag = self.rng.uniform(0.0, max(self.config.reorder_delay, 0.05))
        due = now() + (self.config.reorder_delay if held_back else 0.0)
        self.store.schedule(db, trade["id"], trade["notify_url"], payload, due)
        if twice:
            self.store.schedule(db, trade["id"], trade["notify_url"], payload, due + copy_lag, copy=True)
        self.wakeup.set()

    def pay(self, trade: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[trade["channel"]]
        with self.store.transaction() as db:
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            if self.status(current) != "WAIT":
                return current
            db.execute("UPDATE trades SET status = 'SUCCESS', paid_at = ? WHERE id = ?", (now(), current["id"]))
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            self.emit(db, current, channel.paid_event(current))
            return current

    def cancel(self, trade: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[trade["channel"]]
        with self.store.transaction() as db:
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            if current["status"] != "WAIT":
                return current
            db.execute("UPDATE trades SET status = 'CLOSED', closed_at = ? WHERE id = ?", (now(), current["id"]))
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            self.emit(db, current, channel.closed_event(current))
            return current

    def refund(
        self, channel_name: str, trade: dict[str, Any], out_refund_no: str, amount_fen: int
    ) -> tuple[dict[str, Any], dict[str, Any], bool]:
        """(trade, refund, new). Repeating an out_refund_no with its amount returns the first refund."""
        channel = self.channels[channel_name]
        with self.store.transaction() as db:
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            existing = db.execute(
                "SELECT * FROM refunds WHERE channel = ? AND out_refund_no = ?", (channel_name, out_refund_no)
            ).fetchone()
            if existing:
                if existing["trade_id"] != current["id"] or existing["amount_fen"] != amount_fen:
                    raise RefundRefused("DUPLICATE", f"refund {out_refund_no} exists with other fields")
                return current, dict(existing), False
            if current["status"] != "SUCCESS":
                raise RefundRefused("TRADE_STATUS", "only a paid trade can be refunded")
            if amount_fen <= 0 or current["refunded_fen"] + amount_fen > current["amount_fen"]:
                raise RefundRefused("AMOUNT", "refund exceeds what remains of the payment")
            refund_no = f"{local(now()):%Y%m%d}{secrets.randbelow(10**16):016d}"
            db.execute(
                "INSERT INTO refunds (channel, trade_id, out_refund_no, refund_no, amount_fen, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (channel_name, current["id"], out_refund_no, refund_no, amount_fen, now()),
            )
            db.execute("UPDATE trades SET refunded_fen = refunded_fen + ? WHERE id = ?", (amount_fen, current["id"]))
            current = dict(db.execute("SELECT * FROM trades WHERE id = ?", (trade["id"],)).fetchone())
            refund = dict(db.execute("SELECT * FROM refunds WHERE refund_no = ?", (refund_no,)).fetchone())
            self.emit(db, current, channel.refund_event(current, refund))
            return current, refund, True

    # -- statements -----------------------------------------------------------------------------------

    def statement(self, channel: str, day: date, merchant: str | None = None) -> bytes:
        """One merchant's statement file of ``day`` (default: the channel's default merchant): written
        under statements/<channel>/ (the name says whose it is); a past day's file, once written, is
        final (what a provider publishes it does not change)."""
        account = self.merchant(channel, merchant_id=merchant) if merchant else self.default_merchant(channel)
        if account is None:
            raise KeyError(f"{channel} has no merchant {merchant}")
        content, name = self.channels[channel].statement(day, account)
        path = self.config.data_dir / "statements" / channel / name
        if path.exists() and day < local(now()).date():
            return path.read_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        return content

    def download_token(self, channel: str, day: date, merchant: str) -> str:
        return hmac.new(self._download_secret, f"{channel}:{merchant}:{day}".encode(), hashlib.sha256).hexdigest()

    def download_url(self, channel: str, day: date, merchant: str) -> str:
        token = self.download_token(channel, day, merchant)
        return f"{self.public_url}/statements/{channel}/{day}?merchant={merchant}&token={token}"

    # -- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.route(request)
        except Exception:
            log.error("paysim: %s %s failed\n%s", request.method, request.path, traceback.format_exc())
            response = Response(500, b"simulator error")
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers.items(),
        ]
        start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", headers)
        return [response.body]

    def route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if parts == ["_sim", "health"]:
            return Response(200, b"ok")
        if parts == ["_sim", "deliveries"]:
            rows = self.store.all(
                "SELECT d.id, d.trade_id, t.channel, t.out_trade_no, d.payload, d.due_at,"
                " d.attempts, d.delivered_at, d.gave_up, d.last_status, d.copy FROM deliveries d"
                " JOIN trades t ON t.id = d.trade_id ORDER BY d.id"
            )
            return json_response(rows)
        if len(parts) == 3 and parts[0] == "checkout" and parts[1] in self.channels:
            return self.checkout(request, parts[1], parts[2])
        if len(parts) == 3 and parts[0] == "statements" and parts[1] in self.channels:
            return self.download(request, parts[1], parts[2])
        if parts and parts[0] in self.channels:
            return self.channels[parts[0]].handle(request, "/".join(parts[1:]))
        return Response(404, b"not found")

    def download(self, request: Request, channel: str, day_text: str) -> Response:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return Response(404, b"no such day")
        merchant = request.query.get("merchant", "")
        if not hmac.compare_digest(request.query.get("token", ""), self.download_token(channel, day, merchant)):
            return Response(403, b"download link invalid")
        return Response(200, self.statement(channel, day, merchant), "text/csv; charset=utf-8")

    def checkout(self, request: Request, channel_name: str, token: str) -> Response:
        trade = self.store.one("SELECT * FROM trades WHERE channel = ? AND token = ?", channel_name, token)
        if trade is None:
            return page("未找到订单 / Order not found", "<h1>未找到订单 / Order not found</h1>", 404)
        channel = self.channels[channel_name]
        if request.method == "POST":
            form = request.form()
            action = form.get("action")
            if action == "pay":
                trade = self.pay(trade)
                if trade["status"] != "SUCCESS":
                    return page("订单已关闭 / Order closed", "<h1>订单已关闭 / Order closed</h1>", 409)
            elif action == "cancel":
                trade = self.cancel(trade)
            else:
                return page("Bad request", "<h1>action must be pay or cancel</h1>", 400)
            target = channel.return_url(trade, form)
            if target:
                return redirect(target)
            done = "支付成功 / Paid" if trade["status"] == "SUCCESS" else "已取消 / Cancelled"
            return page(done, f"<h1>{done}</h1>")
        status = self.status(trade)
        if status != "WAIT":
            label = "已支付 / Already paid" if status == "SUCCESS" else "订单已关闭 / Order closed"
            return page(
                label, f"<h1>{label}</h1><p>{escape(trade['out_trade_no'])}</p>", 200 if status == "SUCCESS" else 410
            )
        redirect_field = ""
        if "redirect_url" in request.query:
            back = escape(request.query["redirect_url"])
            redirect_field = f'<input type="hidden" name="redirect_url" value="{back}">'
        body = f"""<h1>{escape(channel_name)} 收银台 / checkout</h1>
<p>{escape(trade["subject"])}</p>
<p class="amount">¥ {escape(yuan(trade["amount_fen"]))}</p>
<p>订单号 / Order: <code>{escape(trade["out_trade_no"])}</code></p>
<form method="post" action="/checkout/{escape(channel_name)}/{escape(token)}">{redirect_field}
<button name="action" value="pay" type="submit">确认支付 / Pay</button>
<button name="action" value="cancel" type="submit">取消 / Cancel</button></form>"""
        return page("收银台 / Checkout", body)


_REASONS = {
    200: "OK",
    204: "No Content",
    303: "See Other",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    500: "Internal Server Error",
}
