"""Chaos: payers pay bills with retries (Idempotency-Key) against the production server (``smartgov
serve``, gunicorn, on PostgreSQL) while it is killed with SIGKILL and restarted several times, and
the payment-provider simulator repeats and reorders its notifications. Afterwards every bill's paid
amount equals what the simulator settled, ``smartgov ledger verify`` passes, each succeeded payment
has exactly one receipt, and reconciliation of the simulator's statements shows no differences.
Bounded to about a minute."""

from __future__ import annotations

import base64
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection

from smartgov.accounts import permissions as perms
from smartgov.billing import channels
from smartgov.billing.models import Bill, Payment
from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import start
from smartgov.billing.providers.registry import default_providers
from smartgov.billing.receipts import services as receipt_services
from smartgov.billing.receipts.models import Receipt
from smartgov.billing.reconciliation import selectors as rec_selectors
from smartgov.billing.reconciliation import services as rec_services
from smartgov.kit import clock
from smartgov.tenancy import keys as tenant_keys
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue
from tests.builders import SYSTEM, make_api_key

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKTREE = Path(__file__).resolve().parents[2]
BILLS = 24
PAYERS = 4
KILLS = 4
CHAOS_CHANNELS = ("alipay", "wechat")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``smartgov serve`` in its own process group, so SIGKILL takes gunicorn's master and workers."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smartgov.cli", "serve", "--port", str(self.port), "--workers", "2"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not come up:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    import json

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}") if exc.code < 500 else {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def payer_clicks_pay(checkout_url: str) -> None:
    """What the payer's browser does on the hosted checkout: open it, press 确认支付."""
    with urllib.request.urlopen(checkout_url, timeout=10) as page:  # noqa: S310 (our own simulator)
        html = page.read().decode()
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    fields = {k: v.replace("&amp;", "&") for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                                   html)}
    fields["action"] = "pay"
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(urllib.parse.urljoin(checkout_url, action), data=urllib.parse.urlencode(fields).encode(),
                    timeout=10).close()
    except urllib.error.HTTPError as exc:
        assert exc.code in (302, 303), exc.code  # the redirect back to us: the simulator took the payment


def test_payments_survive_sigkill_restarts_and_reconcile(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the chaos test runs the production server on PostgreSQL")
    keys_dir = ensure_keys(tmp_path / "server" / "paysim" / "keys")  # where the server looks for them
    sim = start(SimConfig(data_dir=tmp_path / "paysim", keys_dir=keys_dir, duplicate_probability=0.3,
                          reorder_probability=0.3, reorder_delay=0.7, seed=4, retry_base=0.3, retry_factor=1.5,
                          retry_max_attempts=40, notify_timeout=3.0))
    settings.PAYMENT_PROVIDERS = default_providers(sim.url, keys_dir)

    tenant, water, citizen = billing_world("chaos")
    bills = [issue(tenant, water, citizen, lines=[{"item": "水费", "quantity": 1, "unit_price_fen": 1000 + i}])
             for i in range(BILLS)]
    _client, api_key = make_api_key(tenant, [perms.BILLS_READ])
    db = connection.settings_dict
    owner = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "PYTHONPATH": str(WORKTREE / "src"),
        "DATABASE_URL": owner,
        "SMARTGOV_DB_APP_ROLE": settings.DB_APP_ROLE,
        "SMARTGOV_SECRET_KEY": "chaos-" + uuid.uuid4().hex,
        "SMARTGOV_MASTER_KEY": base64.b64encode(tenant_keys.master_key()).decode(),
        "SMARTGOV_DEBUG": "",
        "SMARTGOV_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SMARTGOV_DATA_DIR": str(tmp_path / "server"),
        "SMARTGOV_PAYSIM_URL": sim.url,
        "SMARTGOV_THREADS": "4",
    }
    server = Server(env, free_port(), tmp_path / "server.log")
    server.start()
    failures: list[str] = []
    attempts: dict[str, int] = defaultdict(int)
    queue = list(enumerate(bills))
    lock = threading.Lock()

    def payer() -> None:
        while True:
            time.sleep(1.0 + random.random() * 3.0)
            with lock:
                if not queue:
                    return
                index, bill = queue.pop()
            key = f"chaos-{uuid.uuid4()}"  # one key per payment: every retry of it sends the same key
            body = {"payment_code": bill.payment_code, "channel": CHAOS_CHANNELS[index % 2],
                    "amount_fen": bill.lines_fen, "currency": "CNY"}
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                attempts[bill.payment_code] += 1
                try:
                    status, answer = post(f"{server.url}/api/v1/t/{tenant.slug}/billing/payments", body,
                                          {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key})
                except OSError:
                    status, answer = 0, {}
                if status == 201:
                    try:
                        payer_clicks_pay(answer["checkout_url"])
                    except OSError as exc:
                        failures.append(f"{bill.payment_code}: checkout failed: {exc}")
                    break
                if status and status < 500 and status != 409:
                    failures.append(f"{bill.payment_code}: {status} {answer}")
                    break
                time.sleep(0.15 + random.random() * 0.2)
            else:
                failures.append(f"{bill.payment_code}: never got a checkout")

    kills: list[float] = []

    def killer() -> None:
        for _ in range(KILLS):  # every kill happens, whether the payers are done or not
            time.sleep(1.0 + random.random() * 1.5)
            server.kill()
            kills.append(time.monotonic() - started)
            time.sleep(0.3)
            server.start()

    started = time.monotonic()
    threads = [threading.Thread(target=payer) for _ in range(PAYERS)]
    chaos = threading.Thread(target=killer)
    for t in [*threads, chaos]:
        t.start()
    for t in threads:
        t.join(timeout=90)
    chaos.join(timeout=90)
    try:
        assert failures == []
        assert len(kills) == KILLS
        # Let the simulator's retries reach the (now steady) server, then compare with what it settled.
        today = clock.now().astimezone(rec_selectors.PROVIDER_ZONE).date()
        settled: dict[str, int] = defaultdict(int)
        statements = {}
        deadline = time.monotonic() + 40
        while True:
            statements = {ch: sim.simulator.statement(ch, today) for ch in CHAOS_CHANNELS}
            settled.clear()
            for ch, content in statements.items():
                for row in channels.provider(ch, tenant).parse_statement(content):
                    if row.kind == "payment":
                        settled[row.out_trade_no.split("-", 1)[0]] += row.amount_fen
            with tenant_context(tenant):
                paid = dict(Bill.objects.filter(tenant=tenant).values_list("payment_code", "paid_fen"))
            if paid == {b.payment_code: settled.get(b.payment_code, 0) for b in bills} or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert len(settled) == BILLS, "every bill was paid at the simulator"
        assert paid == dict(settled), "each bill's paid amount equals what the simulator settled"

        verify = subprocess.run(
            [sys.executable, "-m", "smartgov.cli", "ledger", "verify"], env=env, capture_output=True, text=True,
            timeout=60,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr

        with tenant_context(tenant):
            receipt_services.issue_missing(tenant)  # whatever a kill lost between commit and signal
            succeeded = set(Payment.objects.filter(tenant=tenant, state="succeeded").values_list("pk", flat=True))
            assert set(Receipt.objects.filter(tenant=tenant).values_list("payment_id", flat=True)) == succeeded
            for ch, content in statements.items():
                statement = rec_services.import_statement(SYSTEM, tenant, channel=ch, content=content, day=today)
                open_ = [(d.kind, d.reference) for d in rec_selectors.differences(tenant, statement)]
                assert open_ == [], f"{ch}: {open_}"
                rec_services.close_statement(SYSTEM, tenant, statement)
        print(f"chaos: {BILLS} bills, {sum(attempts.values())} payment requests, SIGKILLs at "
              f"{', '.join(f'{k:.1f}s' for k in kills)}, {time.monotonic() - started:.1f}s in all")
    finally:
        server.kill()
        sim.stop()
