"""Submission throughput of the production server on PostgreSQL, against a bare Django view.

32 concurrent clients each submit applications on a citizen's behalf, as an agency's system does,
each with a 200 KB attachment (sniffed, checksummed, encrypted, quota-counted; then Idempotency-Key,
schema validation, readable reference, workflow task, audit, notice), measured two ways: in one
request (``POST /applications/with-files``: the application's JSON and its file in one multipart
body, one transaction), and as two (upload into the wallet with ``POST /documents``, then
``POST /applications`` referencing it; one "submission" is that pair). The baseline is a bare
Django view that inserts one row per request (receiving the same 200 KB body), served by the same
gunicorn, in the same run, over the same connections.

    python bench/submit.py [--seconds 20] [--clients 32]

Needs PostgreSQL at 127.0.0.1:5432 with the smartgov_owner and smartgov_app roles; it creates (and
drops first) the database ``smartgov_cases_bench``. Prints submissions/s, p50/p99 latency of both,
and the ratio (target: at least 30 % of the bare view's throughput, p99 under 250 ms).

This file is also the server's settings module and URLconf for the run (imported as ``submit``):
the production settings plus one extra route for the bare view, so nothing benchmark-only ships.
"""

from __future__ import annotations

import os
import sys

if __name__ == "submit":  # imported by the server as DJANGO_SETTINGS_MODULE and ROOT_URLCONF
    from smartgov.config.settings import *  # noqa: F403

    ROOT_URLCONF = "submit"

    from django.db import connection
    from django.http import HttpRequest, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def bare(request: HttpRequest) -> JsonResponse:
        """The baseline: read the body, insert one row, answer 201 with JSON."""
        body = request.body
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (size, head, created_at) VALUES (%s, %s, now()) RETURNING id",
                [len(body), body[:64].hex()],
            )
            (row_id,) = cursor.fetchone()
        return JsonResponse({"id": row_id}, status=201)

    def __getattr__(name: str) -> object:
        # The URLconf is read after the apps are loaded; the platform's own urls can't be imported
        # while this module is still being read as the settings.
        if name == "urlpatterns":
            from smartgov.config.urls import urlpatterns as platform

            return [path("bench/bare", bare), *platform]
        raise AttributeError(name)


if __name__ == "__main__":
    import asyncio
    import json
    import secrets
    import signal
    import socket
    import statistics
    import subprocess
    import time
    from pathlib import Path

    import httpx
    import psycopg

    ROOT = Path(__file__).resolve().parents[1]
    DB = "smartgov_cases_bench"
    HOST = "127.0.0.1"
    ATTACHMENT = b"%PDF-1.4\n" + os.urandom(200 * 1024 - 20) + b"\n%%EOF\n"  # 200 KB, sniffs as PDF

    def arg(name: str, default: int) -> int:
        return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default

    SECONDS, CLIENTS = arg("--seconds", 20), arg("--clients", 32)

    def free_port() -> int:
        with socket.socket() as s:
            s.bind((HOST, 0))
            return int(s.getsockname()[1])

    def fresh_database() -> None:
        with psycopg.connect(host=HOST, user="smartgov_owner", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB}")

    def bare_table() -> None:
        with psycopg.connect(host=HOST, user="smartgov_owner", dbname=DB, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_bare (id bigserial PRIMARY KEY, size int, head text, "
                "created_at timestamptz NOT NULL)"
            )
            conn.execute("GRANT SELECT, INSERT ON bench_bare TO smartgov_app")
            conn.execute("GRANT USAGE ON SEQUENCE bench_bare_id_seq TO smartgov_app")

    def environment(data_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SMARTGOV_", "DJANGO_"))}
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]),
                "DATABASE_URL": f"postgres://smartgov_app@{HOST}:5432/{DB}",
                "SMARTGOV_OWNER_DATABASE_URL": f"postgres://smartgov_owner@{HOST}:5432/{DB}",
                "SMARTGOV_DB_APP_ROLE": "smartgov_app",
                "SMARTGOV_DATA_DIR": str(data_dir),
                "SMARTGOV_SECRET_KEY": secrets.token_urlsafe(40),
                "SMARTGOV_DEBUG": "false",
                "SMARTGOV_ALLOWED_HOSTS": f"{HOST},localhost",
                "SMARTGOV_LOG_LEVEL": "WARNING",
                # Production runs background work (notice e-mail and SMS deliveries) on Celery workers
                # through a broker, not inline in the request (the embedded default's eager mode).
                "SMARTGOV_CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15"),
            }
        )
        return env

    def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "smartgov.config.wsgi:application",
                "--config",
                "python:smartgov.config.gunicorn",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str((os.cpu_count() or 1) * 2 + 1),
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "submit"},
            cwd=ROOT,
            start_new_session=True,
        )
        for _ in range(300):
            try:
                if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                time.sleep(0.2)
        os.killpg(server.pid, signal.SIGKILL)
        raise SystemExit("the server did not come up")

    async def run(clients: int, seconds: float, one: object) -> tuple[int, list[float], int]:
        """``clients`` loops doing ``one(client, n)`` until time is up: (done, latencies, errors)."""
        latencies: list[float] = []
        errors = 0
        stop = time.monotonic() + seconds
        counter = iter(range(10**9))

        async def loop() -> None:
            nonlocal errors
            async with httpx.AsyncClient(timeout=30) as client:
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    ok = await one(client, next(counter))  # type: ignore[operator]
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1

        await asyncio.gather(*(loop() for _ in range(clients)))
        return len(latencies), latencies, errors

    def cpu_by_process(server_pgid: int) -> dict[int, tuple[str, float]]:
        """Each process's group (server workers, PostgreSQL, this client, other) and CPU seconds so far."""
        tick = os.sysconf("SC_CLK_TCK")
        found: dict[int, tuple[str, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited while we looked
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            pid = int(entry.name)
            group = (
                "client"
                if pid == os.getpid()
                else "server"
                if int(fields[2]) == server_pgid
                else "postgres"
                if comm == "postgres"
                else "other"
            )
            found[pid] = (group, seconds)
        return found

    def measured(server_pgid: int, clients: int, seconds: float, one: object) -> tuple[int, list[float], int, str]:
        """``run`` plus the CPU milliseconds each process group spent per completed request. Processes
        are sampled every half second, so a database backend that exits mid-run (the server closes
        connections past their age) still counts up to its last sample."""
        first = cpu_by_process(server_pgid)
        last = dict(first)
        sampling = True

        def sample() -> None:
            while sampling:
                time.sleep(0.5)
                last.update(cpu_by_process(server_pgid))

        import threading

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        done, latencies, errors = asyncio.run(run(clients, seconds, one))
        sampling = False
        sampler.join()
        last.update(cpu_by_process(server_pgid))
        per = {"server": 0.0, "postgres": 0.0, "client": 0.0, "other": 0.0}
        for pid, (group, used) in last.items():
            per[group] += (used - first.get(pid, (group, 0.0))[1]) * 1000 / max(done, 1)
        return done, latencies, errors, "CPU ms each: " + "  ".join(f"{k} {v:.1f}" for k, v in per.items())

    def p(latencies: list[float], q: int) -> float:
        return statistics.quantiles(latencies, n=100)[q - 1] * 1000 if len(latencies) > 1 else float("nan")

    def main() -> None:
        import tempfile

        fresh_database()
        data_dir = Path(tempfile.mkdtemp(prefix="smartgov-bench-"))
        env = environment(data_dir)
        made = subprocess.run(
            [sys.executable, "-m", "tests.cases.serverworld", "benchcity"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        world = json.loads(made.stdout.strip().splitlines()[-1])
        bare_table()
        port = free_port()
        server = serve(env, port)
        base = f"http://{HOST}:{port}"
        auth = {"Authorization": f"Bearer {world['key']}"}
        tenant_api = f"{base}/api/v1/t/{world['tenant']}"

        async def bare_one(client: httpx.AsyncClient, n: int) -> bool:
            r = await client.post(
                f"{base}/bench/bare", content=ATTACHMENT, headers={"Content-Type": "application/octet-stream"}
            )
            return r.status_code == 201

        async def submit_one(client: httpx.AsyncClient, n: int) -> bool:
            up = await client.post(
                f"{tenant_api}/documents",
                headers=auth,
                files={"file": (f"lease-{n}.pdf", ATTACHMENT, "application/pdf")},
                data={"owner": world["citizen_id"], "title": f"租赁合同 {n}"},
            )
            if up.status_code != 201:
                print("upload failed", up.status_code, up.text[:200], file=sys.stderr)
                return False
            body = {
                "service_id": world["service_id"],
                "applicant_id": world["citizen_id"],
                "data": {"shop_name": f"第{n}号店", "area": 10 + n % 90, "lease": up.json()["id"]},
            }
            r = await client.post(
                f"{tenant_api}/applications",
                json=body,
                headers={**auth, "Idempotency-Key": f"bench-{n}-{secrets.token_hex(4)}"},
            )
            if r.status_code != 201:
                print("submit failed", r.status_code, r.text[:200], file=sys.stderr)
            return r.status_code == 201

        async def one_call(client: httpx.AsyncClient, n: int) -> bool:
            application = {
                "service_id": world["service_id"],
                "applicant_id": world["citizen_id"],
                "data": {"shop_name": f"第{n}号店", "area": 10 + n % 90},
            }
            r = await client.post(
                f"{tenant_api}/applications/with-files",
                headers={**auth, "Idempotency-Key": f"bench1-{n}-{secrets.token_hex(4)}"},
                files={"lease": (f"lease-{n}.pdf", ATTACHMENT, "application/pdf")},
                data={"application": json.dumps(application, ensure_ascii=False)},
            )
            if r.status_code != 201:
                print("submit (one call) failed", r.status_code, r.text[:200], file=sys.stderr)
            return r.status_code == 201

        try:
            asyncio.run(run(CLIENTS, 3, bare_one))  # warm up: workers, connections, caches
            asyncio.run(run(CLIENTS, 3, submit_one))
            asyncio.run(run(CLIENTS, 3, one_call))
            bare_n, bare_lat, bare_err, bare_cpu = measured(server.pid, CLIENTS, SECONDS, bare_one)
            one_n, one_lat, one_err, one_cpu = measured(server.pid, CLIENTS, SECONDS, one_call)
            sub_n, sub_lat, sub_err, sub_cpu = measured(server.pid, CLIENTS, SECONDS, submit_one)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        bare_rate, sub_rate, one_rate = bare_n / SECONDS, sub_n / SECONDS, one_n / SECONDS
        print(
            f"clients={CLIENTS} seconds={SECONDS} attachment=200KB server=gunicorn "
            f"workers={(os.cpu_count() or 1) * 2 + 1} db=PostgreSQL (app role, RLS) "
            f"broker={env['SMARTGOV_CELERY_BROKER_URL']}"
        )
        print(
            f"bare view:   {bare_rate:8.1f} req/s  p50 {p(bare_lat, 50):6.1f} ms  p99 {p(bare_lat, 99):6.1f} ms"
            f"  errors {bare_err}\n             {bare_cpu}"
        )
        print(
            f"one call:    {one_rate:8.1f} /s     p50 {p(one_lat, 50):6.1f} ms  p99 {p(one_lat, 99):6.1f} ms"
            f"  errors {one_err}   (application with its file: POST /applications/with-files)\n             {one_cpu}"
        )
        print(
            f"two calls:   {sub_rate:8.1f} /s     p50 {p(sub_lat, 50):6.1f} ms  p99 {p(sub_lat, 99):6.1f} ms"
            f"  errors {sub_err}   (POST /documents, then POST /applications)\n             {sub_cpu}"
        )
        print(
            f"ratio: one call {one_rate / bare_rate:.1%}, two calls {sub_rate / bare_rate:.1%} of the bare view's "
            f"throughput (target >= 30%); p99 {p(one_lat, 99):.0f} / {p(sub_lat, 99):.0f} ms (target < 250 ms)"
        )

    main()
