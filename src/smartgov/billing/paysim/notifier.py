"""Delivers the simulator's notifications: signed at send time, retried with exponential backoff
until the merchant answers the way the channel expects, in due-time order (which the chaos knobs
shuffle). It also writes each channel's statement file once a day has ended."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from .channels.base import local
from .store import now

if TYPE_CHECKING:
    from .app import Simulator

log = logging.getLogger("smartgov.paysim")


class Notifier(threading.Thread):
    def __init__(self, sim: Simulator) -> None:
        super().__init__(name="paysim-notifier", daemon=True)
        self.sim = sim
        self._stop_event = threading.Event()
        self._last_day = local(now()).date()

    def stop(self) -> None:
        self._stop_event.set()
        self.sim.wakeup.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sim.wakeup.clear()  # before looking, so a wake-up during the round is not lost
            try:
                wait = self.tick()
            except Exception:  # the loop must survive anything one delivery does
                log.exception("paysim notifier failed a round")
                wait = 1.0
            self.sim.wakeup.wait(timeout=wait)

    def tick(self) -> float:
        """Deliver what is due; return how long to sleep until the next one (at most a second)."""
        self._close_days()
        while not self._stop_event.is_set():
            row = self.sim.store.one(
                "SELECT * FROM deliveries WHERE delivered_at IS NULL AND gave_up = 0 ORDER BY due_at, id LIMIT 1"
            )
            if row is None:
                return 1.0
            if row["due_at"] > now():
                return min(1.0, row["due_at"] - now())
            self.deliver(row)
        return 0.0

    def deliver(self, row: dict[str, object]) -> bool:
        trade = self.sim.store.one("SELECT * FROM trades WHERE id = ?", row["trade_id"])
        assert trade is not None
        channel = self.sim.channels[trade["channel"]]
        body, headers = channel.render_notification(trade, json.loads(str(row["payload"])))
        request = urllib.request.Request(str(row["url"]), data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.sim.config.notify_timeout) as answer:  # noqa: S310
                status, answer_body = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, answer_body = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            status, answer_body = 0, str(exc).encode()
        accepted = channel.accepted(status, answer_body)
        attempts = int(str(row["attempts"])) + 1
        config = self.sim.config
        with self.sim.store.transaction() as db:
            if accepted:
                db.execute(
                    "UPDATE deliveries SET attempts = ?, delivered_at = ?, last_status = ? WHERE id = ?",
                    (attempts, now(), str(status), row["id"]),
                )
            else:
                delay = config.retry_base * config.retry_factor ** (attempts - 1)
                db.execute(
                    "UPDATE deliveries SET attempts = ?, due_at = ?, gave_up = ?, last_status = ? WHERE id = ?",
                    (
                        attempts,
                        now() + delay,
                        int(attempts >= config.retry_max_attempts),
                        f"{status} {answer_body[:80].decode('utf-8', 'replace')}",
                        row["id"],
                    ),
                )
        return accepted

    def _close_days(self) -> None:
        """When the Beijing date changes, publish every merchant's statement of the day that ended."""
        today = local(now()).date()
        if today == self._last_day:
            return
        for channel in self.sim.channels:
            for merchant in self.sim.config.merchants[channel]:
                self.sim.statement(channel, self._last_day, merchant["merchant_id"])
        self._last_day = today
