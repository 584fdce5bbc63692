"""Serving the simulator: a threaded wsgiref server (it is a test double, not a production service),
plus the notifier thread. ``start`` runs both in background threads (tests, the demo);
``serve_forever`` blocks (``smartgov paysim``)."""

from __future__ import annotations

import logging
import socketserver
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import Simulator
from .config import SimConfig
from .notifier import Notifier

log = logging.getLogger("smartgov.paysim")


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("paysim %s - %s", self.address_string(), format % args)


@dataclass
class Running:
    simulator: Simulator
    server: WSGIServer
    notifier: Notifier
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.notifier.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.notifier.join(timeout=5)
        self.simulator.store.close()


def _build(config: SimConfig, host: str, port: int) -> tuple[Simulator, WSGIServer, str]:
    simulator = Simulator(config)
    server = make_server(host, port, simulator, server_class=_ThreadingServer, handler_class=_QuietHandler)
    url = f"http://{host}:{server.server_port}"
    if not config.public_url:
        config.public_url = url
    return simulator, server, url


def start(config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> Running:
    """Start the simulator in background threads (port 0: a free one); ``.stop()`` ends it."""
    simulator, server, url = _build(config, host, port)
    notifier = Notifier(simulator)
    notifier.start()
    thread = threading.Thread(target=server.serve_forever, name="paysim-http", daemon=True)
    thread.start()
    return Running(simulator, server, notifier, thread, url)


def serve_forever(config: SimConfig, host: str = "127.0.0.1", port: int = 8010) -> None:
    simulator, server, url = _build(config, host, port)
    notifier = Notifier(simulator)
    notifier.start()
    log.info("payment-provider simulator on %s (data in %s)", url, config.data_dir)
    try:
        server.serve_forever()
    finally:
        notifier.stop()
        server.server_close()


def make_app() -> Simulator:
    """For ``gunicorn -w 1 --threads 8 'smartgov.billing.paysim.server:make_app()'``: the simulator from
    SMARTGOV_PAYSIM_* variables, with its notifier thread. One worker only: the notifier owns the
    delivery queue, and two would deliver each notification twice beyond what the chaos knobs ask."""
    config = SimConfig.from_env()
    simulator = Simulator(config)
    if not config.public_url:
        log.warning("SMARTGOV_PAYSIM_PUBLIC_URL is not set: checkout links will be relative to nothing")
    Notifier(simulator).start()
    return simulator
