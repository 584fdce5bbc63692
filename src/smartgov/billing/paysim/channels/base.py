"""What every simulated channel provides to the simulator core."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from smartgov.billing.providers._crypto import Signer, Verifier, signer_for, verifier_for

from ..web import Request, Response

if TYPE_CHECKING:
    from ..app import Simulator

CHINA = ZoneInfo("Asia/Shanghai")


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).astimezone(CHINA)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def day_bounds(day: date) -> tuple[float, float]:
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    return start.timestamp(), start.timestamp() + 86400


class SimChannel:
    name = ""
    path_prefix = ""  # API routes under /<name>/...

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    # -- keys -----------------------------------------------------------------------------------------

    def provider_signer(self, algorithm: str) -> Signer:
        if algorithm == "SM2":
            return signer_for("SM2", self.sim.key(self.name, "provider_sm2_private.hex"))
        return signer_for("RSA", self.sim.key(self.name, "provider_rsa_private.pem"))

    def provider_verifier(self, algorithm: str) -> Verifier:
        if algorithm == "SM2":
            return verifier_for("SM2", self.sim.key(self.name, "provider_sm2_public.hex"))
        return verifier_for("RSA", self.sim.key(self.name, "provider_rsa_public.pem"))

    def merchant_verifier(self, algorithm: str, merchant: dict[str, str]) -> Verifier:
        """Verifies the requests of one merchant, with the public half of its own key pair."""
        folder = merchant.get("keys_folder") or self.name
        if algorithm == "SM2":
            return verifier_for("SM2", self.sim.key(folder, "merchant_sm2_public.hex"))
        return verifier_for("RSA", self.sim.key(folder, "merchant_rsa_public.pem"))

    def merchant(self, **match: str) -> dict[str, str] | None:
        return self.sim.merchant(self.name, **match)

    def merchant_of(self, trade: dict[str, Any]) -> dict[str, str]:
        """The merchant a trade belongs to."""
        found = self.merchant(merchant_id=trade["merchant"])
        if found is None:
            raise KeyError(f"{self.name}: trade {trade['out_trade_no']} names unknown merchant {trade['merchant']}")
        return found

    def fee(self, amount_fen: int) -> int:
        rate = Decimal(self.sim.config.fee_rates.get(self.name, "0"))
        return int((Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    # -- what a channel implements ----------------------------------------------------------------------

    def handle(self, request: Request, rest: str) -> Response:
        """An API call to /<name>/<rest>."""
        raise NotImplementedError

    def paid_event(self, trade: dict[str, Any]) -> dict[str, Any] | None:
        """The notification payload for a payment that just succeeded (None: this channel sends none)."""
        return None

    def closed_event(self, trade: dict[str, Any]) -> dict[str, Any] | None:
        return None

    def refund_event(self, trade: dict[str, Any], refund: dict[str, Any]) -> dict[str, Any] | None:
        return None

    def render_notification(self, trade: dict[str, Any], payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Sign (and, for WeChat, encrypt) a payload at the moment it is sent: body and headers."""
        raise NotImplementedError

    def accepted(self, status: int, body: bytes) -> bool:
        """Whether the merchant's answer stops the retries."""
        raise NotImplementedError

    def return_url(self, trade: dict[str, Any], form: dict[str, str]) -> str:
        return str(trade["return_url"])

    def statement(self, day: date, merchant: dict[str, str]) -> tuple[bytes, str]:
        """One merchant's settlement statement of a Beijing-time day: content and file name."""
        raise NotImplementedError

    # -- statement rows shared by the channels ---------------------------------------------------------

    def settled(self, day: date, merchant: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The merchant's payments completed and refunds made during ``day`` (Beijing time), with fees."""
        start, end = day_bounds(day)
        payments = self.sim.store.all(
            "SELECT * FROM trades WHERE channel = ? AND merchant = ? AND paid_at >= ? AND paid_at < ?"
            " ORDER BY paid_at, id",
            self.name,
            merchant["merchant_id"],
            start,
            end,
        )
        refunds = self.sim.store.all(
            "SELECT r.*, t.out_trade_no, t.trade_no, t.subject, t.amount_fen AS trade_amount_fen, t.paid_at,"
            " t.created_at AS trade_created_at FROM refunds r JOIN trades t ON t.id = r.trade_id"
            " WHERE r.channel = ? AND t.merchant = ? AND r.created_at >= ? AND r.created_at < ?"
            " ORDER BY r.created_at, r.id",
            self.name,
            merchant["merchant_id"],
            start,
            end,
        )
        for row in payments:
            row["fee_fen"] = self.fee(row["amount_fen"])
        for row in refunds:
            row["fee_fen"] = -self.fee(row["amount_fen"])
        return payments, refunds
