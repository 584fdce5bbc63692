"""The simulator's state in one SQLite file: trades, refunds, notification deliveries, bank transfers.

One connection shared by the server's threads behind a lock: the simulator's load is a handful of
requests a second, and one lock keeps every read-modify-write (pay, refund) trivially atomic.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS trades (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  merchant TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  trade_no TEXT NOT NULL UNIQUE,
  token TEXT NOT NULL UNIQUE,
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  currency TEXT NOT NULL,
  subject TEXT NOT NULL,
  notify_url TEXT NOT NULL,
  return_url TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'WAIT',   -- WAIT, SUCCESS, CLOSED
  created_at REAL NOT NULL,
  expires_at REAL NOT NULL,
  paid_at REAL,
  closed_at REAL,
  refunded_fen INTEGER NOT NULL DEFAULT 0,
  UNIQUE (channel, merchant, out_trade_no)
);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  trade_id INTEGER NOT NULL REFERENCES trades(id),
  out_refund_no TEXT NOT NULL,
  refund_no TEXT NOT NULL UNIQUE,
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  created_at REAL NOT NULL,
  UNIQUE (channel, out_refund_no)
);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY,
  trade_id INTEGER NOT NULL REFERENCES trades(id),
  url TEXT NOT NULL,
  payload TEXT NOT NULL,          -- the event as it was when it happened (JSON); signed when sent
  due_at REAL NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at REAL,
  gave_up INTEGER NOT NULL DEFAULT 0,
  last_status TEXT NOT NULL DEFAULT '',
  copy INTEGER NOT NULL DEFAULT 0  -- 1 for a chaos duplicate
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_at) WHERE delivered_at IS NULL AND gave_up = 0;
CREATE TABLE IF NOT EXISTS bank_transfers (
  id INTEGER PRIMARY KEY,
  serial TEXT NOT NULL UNIQUE,
  direction TEXT NOT NULL,        -- 贷 (to our account) or 借
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  counterparty_name TEXT NOT NULL,
  counterparty_account TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at REAL NOT NULL,
  account TEXT NOT NULL DEFAULT ''  -- the merchant account it went to ('' : the default one, older files)
);
"""


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(bank_transfers)")}
        if "account" not in columns:  # a state file from before merchants had accounts of their own
            self._db.execute("ALTER TABLE bank_transfers ADD COLUMN account TEXT NOT NULL DEFAULT ''")
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def one(self, sql: str, *params: Any) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(sql, params).fetchone()
        return dict(row) if row else None

    def all(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def trade(self, channel: str, merchant: str, out_trade_no: str) -> dict[str, Any] | None:
        """One merchant's trade: another merchant's order number is not there for it."""
        return self.one(
            "SELECT * FROM trades WHERE channel = ? AND merchant = ? AND out_trade_no = ?",
            channel,
            merchant,
            out_trade_no,
        )

    def schedule(
        self,
        db: sqlite3.Connection,
        trade_id: int,
        url: str,
        payload: dict[str, Any],
        due_at: float,
        copy: bool = False,
    ) -> None:
        db.execute(
            "INSERT INTO deliveries (trade_id, url, payload, due_at, copy) VALUES (?, ?, ?, ?, ?)",
            (trade_id, url, json.dumps(payload, ensure_ascii=False), due_at, int(copy)),
        )

    def close(self) -> None:
        with self.lock:
            self._db.close()


def now() -> float:
    return time.time()
