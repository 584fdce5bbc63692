"""The audit hash chain, pure: how an event's hash is computed and how a chain is checked.

Each event's hash covers its content and the previous event's hash, so editing, deleting or
reordering any event breaks every hash after it; the per-chain sequence number makes a deletion at
the end of the chain visible too (against the chain head).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def event_hash(content: dict[str, Any], prev_hash: str) -> str:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(prev_hash.encode() + b"\n" + body.encode()).hexdigest()


@dataclass(frozen=True)
class ChainEvent:
    id: str
    seq: int
    content: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    event_id: str | None
    seq: int
    reason: str


def first_break(
    events: Iterable[ChainEvent], head_seq: int | None, head_hash: str | None
) -> ChainBreak | None:
    """The first place where ``events`` (ordered by seq) stop being an unbroken chain."""
    expected_seq, expected_prev = 1, GENESIS
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.id, event.seq, f"sequence jumps from {expected_seq - 1} to {event.seq}")
        if event.prev_hash != expected_prev:
            return ChainBreak(event.id, event.seq, "previous-hash link does not match the event before it")
        if event_hash(event.content, event.prev_hash) != event.hash:
            return ChainBreak(event.id, event.seq, "content does not match its hash (edited)")
        expected_seq, expected_prev = expected_seq + 1, event.hash
    last_seq = expected_seq - 1
    if head_seq is not None and head_seq != last_seq:
        return ChainBreak(None, last_seq, f"chain head records {head_seq} events but {last_seq} remain")
    if head_hash is not None and head_seq and head_hash != expected_prev:
        return ChainBreak(None, last_seq, "chain head hash does not match the last event")
    return None
