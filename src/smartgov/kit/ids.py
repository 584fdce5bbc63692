"""Identifiers: UUIDv7 primary keys (time-ordered, so B-tree inserts stay local) and readable
per-tenant references such as ``LS-2026-000123``."""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """RFC 9562 UUID version 7: 48-bit Unix milliseconds, then random bits."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)


def reference(prefix: str, year: int, number: int) -> str:
    """A citizen-facing reference, unique per tenant: ``LS-2026-000123``."""
    return f"{prefix}-{year}-{number:06d}"
