"""Shared set-up: one set of demo keys for the session; a simulator and a notification receiver on
free ports for the end-to-end tests."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import Running, start
from smartgov.billing.providers.base import Notification, PaymentProvider, ProviderError
from smartgov.billing.providers.registry import build, default_providers


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_keys(tmp_path_factory.mktemp("paysim-keys"))


@pytest.fixture(scope="session")
def other_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second, unrelated set of keys: what a forger (or a misconfiguration) would hold."""
    return ensure_keys(tmp_path_factory.mktemp("other-keys"))


@pytest.fixture(scope="session")
def offline_conf(keys_dir: Path) -> Callable[[str], dict[str, Any]]:
    """A channel's configuration pointing nowhere (for tests that make no HTTP call)."""
    return lambda channel: dict(default_providers("http://127.0.0.1:9", keys_dir)[channel])


@dataclass
class Received:
    channel: str
    headers: dict[str, str]
    body: bytes
    notification: Notification | None
    error: str = ""


@dataclass
class Receiver:
    """Our side of the notifications: verifies with the adapter, answers as the provider expects, and
    can refuse the first N deliveries to make the provider retry."""

    url: str
    providers: dict[str, PaymentProvider] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refuse_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 8.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                snapshot = list(self.received)
            if predicate(snapshot):
                return snapshot
            time.sleep(0.02)
        raise AssertionError(f"timed out; received {[(r.channel, r.notification, r.error) for r in snapshot]}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            channel = self.path.rstrip("/").rsplit("/", 1)[-1]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            provider = state.providers[channel]
            with state.lock:
                refuse = state.refuse_next > 0
                state.refuse_next -= int(refuse)
            try:
                notification: Notification | None = provider.verify_notification(
                    body, headers.get("Content-Type", ""), headers
                )
                error = ""
            except ProviderError as exc:
                notification, error = None, f"{type(exc).__name__}: {exc}"
            with state.lock:
                state.received.append(Received(channel, headers, body, None if refuse else notification, error))
            ack = provider.acknowledge(notification is not None and not refuse)
            self.send_response(ack.status)
            self.send_header("Content-Type", ack.content_type)
            self.send_header("Content-Length", str(len(ack.body)))
            self.end_headers()
            self.wfile.write(ack.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


def simulator(tmp_path: Path, keys_dir: Path, **knobs: Any) -> Running:
    config = SimConfig(
        data_dir=tmp_path / "paysim",
        keys_dir=keys_dir,
        retry_base=0.05,
        retry_factor=2,
        retry_max_attempts=6,
        notify_timeout=2.0,
        **knobs,
    )
    return start(config)


@pytest.fixture
def calm_sim(tmp_path: Path, keys_dir: Path) -> Iterator[Running]:
    running = simulator(tmp_path, keys_dir)
    yield running
    running.stop()


def adapter(running: Running, keys_dir: Path, channel: str, profile: str = "intl") -> PaymentProvider:
    return build(channel, default_providers(running.url, keys_dir)[channel], profile)


@pytest.fixture(scope="session")
def adapter_for(offline_conf: Callable[[str], dict[str, Any]]) -> Callable[..., PaymentProvider]:
    """An adapter with the demo keys, pointing nowhere (for parsing and verifying only)."""
    return lambda channel, profile="intl": build(channel, offline_conf(channel), profile)
