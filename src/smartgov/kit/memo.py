"""A small in-process cache with a time limit, for the few look-ups every request repeats (the
tenant of the path, the API key presented). Each process keeps its own; writers discard entries in
their own process at once, and other processes see a change within ``seconds``."""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

from django.db import transaction

K = TypeVar("K")
V = TypeVar("V")

_ALL: list[TtlCache[object, object]] = []


class TtlCache(Generic[K, V]):
    def __init__(self, seconds: float, maxsize: int = 4096) -> None:
        self.seconds = seconds
        self.maxsize = maxsize
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if time.monotonic() >= expires:
            self.discard(key)
            return None
        return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self.maxsize:
                self._entries.clear()  # rare and cheap to refill; no LRU bookkeeping on the hot path
            self._entries[key] = (time.monotonic() + self.seconds, value)

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def forget(self, key: K) -> None:
        """What ``key`` stands for is being changed in the current transaction: discard it now and
        again when the transaction commits, as another thread may read and keep the old row between."""
        self.discard(key)
        transaction.on_commit(lambda: self.discard(key))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    """Forget everything (tests roll the database back under the caches' feet)."""
    for cache in _ALL:
        cache.clear()
