"""The simulator's own behaviour: reproducible chaos, retries that give up, statement files, the command."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command

from smartgov.billing.paysim.app import Simulator
from smartgov.billing.paysim.channels.base import local
from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.notifier import Notifier


def _sim(path: Path, keys_dir: Path, **knobs) -> Simulator:
    return Simulator(SimConfig(data_dir=path, keys_dir=keys_dir, public_url="http://sim.test", **knobs))


def _pay(sim: Simulator, count: int, notify_url: str = "http://127.0.0.1:9/notify") -> list[dict]:
    trades = []
    for number in range(count):
        trade = sim.create_trade(
            "alipay",
            out_trade_no=f"SG-2026-{number:06d}",
            amount_fen=100 + number,
            currency="CNY",
            subject="x",
            notify_url=notify_url,
            return_url="",
            algorithm="RSA",
            expires_at=time.time() + 3600,
        )
        trades.append(sim.pay(trade))
    return trades


def _pattern(sim: Simulator) -> list[tuple[int, int, bool]]:
    rows = sim.store.all(
        "SELECT d.trade_id, d.copy, d.due_at, t.paid_at FROM deliveries d JOIN trades t"
        " ON t.id = d.trade_id ORDER BY d.id"
    )
    return [(r["trade_id"], r["copy"], r["due_at"] - r["paid_at"] > 0.5) for r in rows]


def test_chaos_is_reproducible_with_a_seed(tmp_path, keys_dir):
    knobs = {"duplicate_probability": 0.3, "reorder_probability": 0.3, "reorder_delay": 1.0, "seed": 42}
    first, second = _sim(tmp_path / "a", keys_dir, **knobs), _sim(tmp_path / "b", keys_dir, **knobs)
    _pay(first, 20)
    _pay(second, 20)
    assert _pattern(first) == _pattern(second)
    assert any(copy for _, copy, _ in _pattern(first)) and any(late for *_, late in _pattern(first))
    calm = _sim(tmp_path / "c", keys_dir)
    _pay(calm, 20)
    assert _pattern(calm) == [(i, 0, False) for i in range(1, 21)]


def test_an_unreachable_merchant_is_retried_with_growing_delays_then_given_up(tmp_path, keys_dir):
    sim = _sim(tmp_path, keys_dir, retry_base=0.0, retry_factor=2.0, retry_max_attempts=3, notify_timeout=1.0)
    _pay(sim, 1)
    notifier = Notifier(sim)
    for _ in range(5):
        notifier.tick()
    (row,) = sim.store.all("SELECT attempts, gave_up, delivered_at, last_status FROM deliveries")
    assert (row["attempts"], row["gave_up"], row["delivered_at"]) == (3, 1, None)
    assert row["last_status"].startswith("0 ")  # connection refused

    slow = _sim(tmp_path / "slow", keys_dir, retry_base=10.0, retry_factor=3.0)
    _pay(slow, 1)
    before = time.time()
    notifier = Notifier(slow)
    notifier.tick()
    notifier.tick()  # not due yet: nothing happens
    (row,) = slow.store.all("SELECT attempts, due_at FROM deliveries")
    assert row["attempts"] == 1 and 9.5 < row["due_at"] - before < 12


def test_statements_are_written_and_a_past_day_is_final(tmp_path, keys_dir):
    sim = _sim(tmp_path, keys_dir)
    _pay(sim, 2)
    today = local(time.time()).date()
    content = sim.statement("alipay", today)
    files = list((tmp_path / "statements" / "alipay").iterdir())
    assert [f.read_bytes() for f in files] == [content] and b"SG-2026-000001" in content
    yesterday = today - timedelta(days=1)
    published = sim.statement("unionpay", yesterday)
    path = next((tmp_path / "statements" / "unionpay").iterdir())
    path.write_bytes(published + b"# kept\n")
    assert sim.statement("unionpay", yesterday).endswith(b"# kept\n")  # what was published stays


def test_the_command_creates_the_demo_keys(tmp_path):
    call_command("paysim", "--keys-only", "--data-dir", str(tmp_path))
    assert (tmp_path / "keys" / "wechat" / "apiv3.key").read_text().strip().isalnum()
    assert (tmp_path / "keys" / "alipay" / "merchant_rsa_private.pem").stat().st_mode & 0o077 == 0


def test_the_simulator_stands_alone_without_django_or_our_models():
    import os
    import subprocess
    import sys

    import smartgov

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(smartgov.__file__).parent.parent)  # this checkout, not an installed copy
    code = (
        "import sys, smartgov.billing.paysim.server; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith(('django.', 'smartgov.billing.models',"
        " 'smartgov.tenancy', 'smartgov.accounts'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
