"""API overhead: an authenticated, tenant-scoped list endpoint (50 rows) against a bare Django JSON
view, both served by the production server (``smartgov serve``: gunicorn, threaded workers) in the
same run, on SQLite and on PostgreSQL, with 16 concurrent keep-alive clients.

The bare view answers the same 50 rows from memory, through the same middleware stack; it lives in
bench-only modules written to a temporary folder (a settings module that DJANGO_SETTINGS_MODULE points
at, and its URLconf), so production URLs never carry it. Prints requests/s, p50 and p99 for each and the
ratio ours/bare. Target: ratio >= 0.50 and our p99 < 50 ms.

    python bench/api_overhead.py [--seconds 3] [--rounds 5] [--workers 2] [--skip-postgres]

PostgreSQL: a scratch database (default smartgov_bench) is created by the owner role and served as
the app role with row-level security on, like production. Set SMARTGOV_BENCH_PG_HOST etc. to move it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 16
ROWS = 50
PG_HOST = os.environ.get("SMARTGOV_BENCH_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("SMARTGOV_BENCH_PG_PORT", "5432")
PG_OWNER = os.environ.get("SMARTGOV_BENCH_PG_OWNER", "smartgov_owner")
PG_APP = os.environ.get("SMARTGOV_BENCH_PG_APP", "smartgov_app")
PG_DB = os.environ.get("SMARTGOV_BENCH_PG_DB", "smartgov_bench")

SITE = '''
"""Bench-only settings: production settings with a URLconf that adds one bare view."""
from smartgov.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
'''

URLS = '''
"""Bench-only: one bare JSON view at /_bench/bare in front of the real URLs (never shipped)."""
from django.http import JsonResponse
from django.urls import include, path

ROWS = [
    {"id": f"0190e0e0-0000-7000-8000-{i:012d}", "code": f"dept-{i:02d}", "name_zh": f"部门{i}",
     "name_en": f"Department {i}"}
    for i in range(50)
]


def bare(request):
    return JsonResponse(ROWS, safe=False)


urlpatterns = [path("_bench/bare", bare), path("", include("smartgov.config.urls"))]
'''

SEED = """
from smartgov.accounts import permissions as perms
from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor
from smartgov.tenancy import services as tenancy
from smartgov.tenancy.context import tenant_context

actor = Actor.system("bench")
tenant = tenancy.create_tenant(actor, tenancy.TenantSpec(
    slug="bench", name_zh="基准", name_en="Bench", kind="city", reference_prefix="BN"))
with tenant_context(tenant):
    for i in range(50):
        tenancy.create_department(actor, tenant, f"dept-{i:02d}", f"部门{i}", f"Department {i}")
    _client, key = accounts.create_api_client(actor, tenant, "bench", [perms.DEPARTMENTS_READ])
print(key)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def one_client(port: int, path: str, headers: str, until: float, latencies: list[float]) -> int:
    """One keep-alive connection sending GETs back to back; returns the number of failures."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode()
    failures = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            close = False
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()
    return failures


async def load(port: int, path: str, headers: str, seconds: float) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    failures = await asyncio.gather(*(one_client(port, path, headers, until, latencies) for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, sum(failures)


def p(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(cmd: list[str], env: dict[str, str], **kwargs: object) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def psql(sql: str) -> None:
    run(
        [
            "psql",
            "-h",
            PG_HOST,
            "-p",
            PG_PORT,
            "-U",
            PG_OWNER,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            sql,
        ],
        dict(os.environ),
    )


def bench_backend(name: str, db_env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    data_dir = workdir / name
    data_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT / "src")]),
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "SMARTGOV_DATA_DIR": str(data_dir),
        "SMARTGOV_SECRET_KEY": secrets.token_urlsafe(40),
        "SMARTGOV_DEBUG": "false",
        "SMARTGOV_LOG_LEVEL": "WARNING",
        "SMARTGOV_THREADS": str(args.threads),
        **db_env,
    }
    for var in ("DATABASE_URL", "SMARTGOV_OWNER_DATABASE_URL", "SMARTGOV_DB_APP_ROLE"):
        env.setdefault(var, "")
        if var not in db_env:
            env[var] = ""
    run([sys.executable, "-m", "smartgov.cli", "migrate"], env)
    key = run([sys.executable, "-c", "import django; django.setup()\n" + SEED], env).strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "smartgov.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    sys.exit(f"server did not start:\n{server.stderr.read() if server.stderr else ''}")
                time.sleep(0.2)
        ours_path = "/api/v1/t/bench/departments"
        auth = f"Authorization: Bearer {key}\r\n"
        check = subprocess.run(
            ["curl", "-sf", "-H", auth.strip(), f"http://127.0.0.1:{port}{ours_path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        rows = json.loads(check.stdout) if check.returncode == 0 else None
        if not isinstance(rows, list) or len(rows) != ROWS:
            sys.exit(f"{ours_path} did not answer {ROWS} rows: {check.stdout[:300]}")
        asyncio.run(load(port, "/_bench/bare", "", 1.5))  # warm both up (imports, caches, connections)
        asyncio.run(load(port, ours_path, auth, 1.5))
        figures: dict[str, list[float]] = {"bare": [], "ours": []}
        rps: dict[str, list[float]] = {"bare": [], "ours": []}
        failures = 0
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            for label, path, headers in (("bare", "/_bench/bare", ""), ("ours", ours_path, auth)):
                rate, latencies, failed = asyncio.run(load(port, path, headers, args.seconds))
                rps[label].append(rate)
                figures[label].extend(latencies)
                failures += failed
        if failures:
            sys.exit(f"{failures} requests failed")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    result = {
        "bare_rps": statistics.mean(rps["bare"]),
        "ours_rps": statistics.mean(rps["ours"]),
        "bare_p50": p(figures["bare"], 0.50),
        "bare_p99": p(figures["bare"], 0.99),
        "ours_p50": p(figures["ours"], 0.50),
        "ours_p99": p(figures["ours"], 0.99),
    }
    # Each round measures bare and ours back to back; the median of the per-round ratios resists a
    # neighbour's load coming and going better than the ratio of the means.
    ratios = [o / b for o, b in zip(rps["ours"], rps["bare"], strict=True)]
    result["ratio"] = statistics.median(ratios)
    result["ratio_min"], result["ratio_max"] = min(ratios), max(ratios)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="smartgov-bench-"))
    (workdir / "bench_site.py").write_text(textwrap.dedent(SITE), encoding="utf-8")
    (workdir / "bench_urls.py").write_text(textwrap.dedent(URLS), encoding="utf-8")
    backends: list[tuple[str, dict[str, str]]] = [("sqlite", {})]
    if not args.skip_postgres:
        psql(f'DROP DATABASE IF EXISTS "{PG_DB}"')
        psql(f'CREATE DATABASE "{PG_DB}"')
        base = f"postgres://{{}}@{PG_HOST}:{PG_PORT}/{PG_DB}"
        backends.append(
            (
                "postgresql",
                {
                    "DATABASE_URL": base.format(PG_APP),
                    "SMARTGOV_OWNER_DATABASE_URL": base.format(PG_OWNER),
                    "SMARTGOV_DB_APP_ROLE": PG_APP,
                },
            )
        )
    print(
        f"api_overhead: GET of {ROWS} rows, {CLIENTS} keep-alive clients, gunicorn {args.workers} workers x "
        f"{args.threads} threads, {args.rounds} x {args.seconds:g}s per endpoint, {os.cpu_count()} cores"
    )
    print(
        f"{'database':<11}{'bare req/s':>11}{'ours req/s':>11}{'ratio':>8}{'bare p50':>10}{'bare p99':>10}"
        f"{'ours p50':>10}{'ours p99':>10}  verdict   (load average {os.getloadavg()[0]:.1f})"
    )
    ok = True
    try:
        for name, db_env in backends:
            r = bench_backend(name, db_env, args, workdir)
            meets = r["ratio"] >= 0.5 and r["ours_p99"] < 50
            ok &= meets
            print(
                f"{name:<11}{r['bare_rps']:>11.0f}{r['ours_rps']:>11.0f}{r['ratio']:>8.2f}"
                f"{r['bare_p50']:>8.1f}ms{r['bare_p99']:>8.1f}ms{r['ours_p50']:>8.1f}ms{r['ours_p99']:>8.1f}ms  "
                f"{'meets' if meets else 'MISSES'} (ratio >= 0.50, p99 < 50 ms); rounds' ratios "
                f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}, load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.skip_postgres:
            psql(f'DROP DATABASE IF EXISTS "{PG_DB}"')
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
