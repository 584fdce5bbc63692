"""The only clock. Tests move it with ``frozen_at``; nothing else calls ``datetime.now``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

_frozen: datetime | None = None

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """Timezone-aware UTC now (or the frozen instant in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def local_now(zone: tzinfo = DEFAULT_ZONE) -> datetime:
    return now().astimezone(zone)


@contextlib.contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    global _frozen
    previous, _frozen = _frozen, instant.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous
