"""Crash safety of submission: the production server (gunicorn, `smartgov serve`) is killed with
SIGKILL in the middle of a burst of submissions; after a restart, the clients retry every request
with its Idempotency-Key. Every submission that got a 201 before the crash is there with the same
id, and no submission exists twice."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BURST = 48


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SMARTGOV_", "DJANGO_"))}
    env.update(
        {
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "SMARTGOV_DATA_DIR": str(data_dir),
            "SMARTGOV_SECRET_KEY": secrets.token_urlsafe(40),
            "SMARTGOV_MASTER_KEY": "",
            "SMARTGOV_DEBUG": "false",
            "SMARTGOV_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SMARTGOV_LOG_LEVEL": "WARNING",
            "SMARTGOV_WORKERS": "2",
        }
    )
    return env


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "smartgov.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise AssertionError("the server did not come up")


@pytest.mark.slow
def test_sigkill_mid_burst_loses_no_acknowledged_submission_and_doubles_none(tmp_path):
    env = environment(tmp_path)
    made = subprocess.run(
        [sys.executable, "-m", "tests.cases.serverworld", "crashcity"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    world = json.loads(made.stdout.strip().splitlines()[-1])
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1/t/{world['tenant']}/applications"
    headers = {"Authorization": f"Bearer {world['key']}"}

    def body(i: int) -> dict[str, object]:
        return {
            "service_id": world["service_id"],
            "applicant_id": world["citizen_id"],
            "data": {"shop_name": f"第{i}号店", "area": 10 + i, "lease": world["lease_id"]},
        }

    def submit(i: int) -> tuple[int, int, str]:
        try:
            r = httpx.post(base, json=body(i), headers={**headers, "Idempotency-Key": f"burst-{i}"}, timeout=20)
            return i, r.status_code, r.json().get("id", "") if r.status_code == 201 else ""
        except (httpx.HTTPError, ValueError):
            return i, 0, ""  # the connection died with the server

    server = start(env, port)
    acknowledged: dict[int, str] = {}
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(submit, i) for i in range(BURST)]
            # Kill the whole server (master and workers) once a third of the burst was answered.
            while sum(f.done() for f in futures) < BURST // 3:
                time.sleep(0.01)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            for future in futures:
                i, status, app_id = future.result()
                if status == 201:
                    acknowledged[i] = app_id
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert 0 < len(acknowledged) < BURST, "the kill must land mid-burst"

    server = start(env, port)
    try:
        retried = {i: submit(i) for i in range(BURST)}
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    assert all(status == 201 for _i, status, _id in retried.values()), retried
    for i, app_id in acknowledged.items():
        assert retried[i][2] == app_id, f"submission {i} was acknowledged as {app_id}, replayed as {retried[i][2]}"

    with sqlite3.connect(tmp_path / "smartgov.sqlite3") as db:
        rows = db.execute("SELECT id, reference, form_data FROM cases_application").fetchall()
    shops = [json.loads(form)["shop_name"] for _id, _ref, form in rows]
    assert len(rows) == BURST and len(set(shops)) == BURST, "every submission exactly once"
    assert len({ref for _id, ref, _form in rows}) == BURST
    stored = {i.replace("-", "") for i, _r, _f in rows} | {i for i, _r, _f in rows}
    assert all(app_id.replace("-", "") in stored for app_id in acknowledged.values())
