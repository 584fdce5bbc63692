"""Submission throughput of the production server on PostgreSQL, against a bare Django view.

32 concurrent clients each submit applications on a citizen's behalf, as an agency's system does,
each with a 200 KB attachment (sniffed, checksummed, encrypted, quota-counted; then Idempotency-Key,
schema validation, readable reference, workflow task, audit, notice), measured two ways: in one
request (``POST /applications/with-files``: the application's JSON and its file in one multipart
body, one transaction), and as two (upload into the wallet with ``POST /documents``, then
``POST /applications`` referencing it; one "submission" is that pair). The baseline is a bare
Django view that inserts one row per request (receiving the same 200 KB body), served by the same
gunicorn, in the same run, over the same connections.

    python bench/submit.py [--seconds 24] [--clients 32] [--rounds 4] [--workers 5] [--threads 4] [--only bare|one|two]

Needs PostgreSQL at 127.0.0.1:5432 with the smartgov_owner and smartgov_app roles; it creates (and
drops first) the database ``smartgov_cases_bench``. Each kind of request runs ``--seconds`` in all,
in ``--rounds`` short rounds that alternate with the others', so a drift in the machine's speed
falls on all alike. Prints submissions/s, p50/p99 latency of each, the CPU each process group spent
per request, and the ratio overall and per round (target: at least 30 % of the bare view's
throughput, p99 under 250 ms).

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

    SECONDS, CLIENTS, ROUNDS = arg("--seconds", 24), arg("--clients", 32), arg("--rounds", 4)
    WARM = 1.5  # seconds of each round before its window opens: the closed loop is full by then
    # smartgov serve's defaults (SMARTGOV_WORKERS 0: 2 x cores + 1; SMARTGOV_THREADS).
    WORKERS = arg("--workers", (os.cpu_count() or 1) * 2 + 1)
    THREADS = arg("--threads", 4)

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
                str(WORKERS),
                "--threads",
                str(THREADS),
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

    counter = iter(range(10**9))

    async def run(
        pool: list[httpx.AsyncClient], warm: float, seconds: float, one: object, cpu: CpuWindow | None = None
    ) -> tuple[list[float], int]:
        """Each client of ``pool`` loops doing ``one(client, n)``; what completes in the window of
        ``seconds`` after ``warm`` counts (the loop is full by then, and nothing is counted while it
        fills or drains): (latencies, errors). ``cpu`` is started and stopped with the window."""
        latencies: list[float] = []
        errors = 0
        window_start = time.perf_counter() + warm
        window_end = window_start + seconds

        async def loop(client: httpx.AsyncClient) -> None:
            nonlocal errors
            while time.perf_counter() < window_end:
                started = time.perf_counter()
                ok = await one(client, next(counter))  # type: ignore[operator]
                finished = time.perf_counter()
                if window_start <= finished <= window_end:
                    if ok:
                        latencies.append(finished - started)
                    else:
                        errors += 1

        async def window() -> None:
            if cpu is not None:
                await asyncio.sleep(window_start - time.perf_counter())
                cpu.start()
                await asyncio.sleep(window_end - time.perf_counter())
                cpu.stop()

        await asyncio.gather(window(), *(loop(client) for client in pool))
        return latencies, errors

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

    class CpuWindow:
        """CPU seconds each process group spends between start() and stop(). Processes are sampled
        every half second, so a database backend that exits mid-window (the server closes
        connections past their age) still counts up to its last sample."""

        def __init__(self, server_pgid: int) -> None:
            self.pgid = server_pgid
            self.used = {"server": 0.0, "postgres": 0.0, "client": 0.0, "other": 0.0}

        def start(self) -> None:
            import threading

            self.first = cpu_by_process(self.pgid)
            self.last = dict(self.first)
            self.sampling = True

            def sample() -> None:
                while self.sampling:
                    time.sleep(0.5)
                    self.last.update(cpu_by_process(self.pgid))

            self.sampler = threading.Thread(target=sample, daemon=True)
            self.sampler.start()

        def stop(self) -> None:
            self.last.update(cpu_by_process(self.pgid))
            self.sampling = False
            self.sampler.join()
            for pid, (group, used) in self.last.items():
                self.used[group] += used - self.first.get(pid, (group, 0.0))[1]

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

        kinds = {"bare": bare_one, "one": one_call, "two": submit_one}
        if "--only" in sys.argv:  # a profiler's run: just this kind (no ratios printed)
            kinds = {k: v for k, v in kinds.items() if k == sys.argv[sys.argv.index("--only") + 1]}
        errors = {k: 0 for k in kinds}
        latencies: dict[str, list[float]] = {k: [] for k in kinds}
        cpu = {k: CpuWindow(server.pid) for k in kinds}
        rates: dict[str, list[float]] = {k: [] for k in kinds}
        window = SECONDS / ROUNDS

        async def everything() -> None:
            pool = [httpx.AsyncClient(timeout=30) for _ in range(CLIENTS)]
            try:
                for one in kinds.values():  # warm up: workers, connections, caches
                    await run(pool, 0, 3, one)
                # The kinds alternate in short rounds, so a drift in the machine's speed (seen here:
                # the bare view at 211 and 285 req/s minutes apart) falls on all of them alike.
                for _round in range(ROUNDS):
                    for kind, one in kinds.items():
                        lat, err = await run(pool, WARM, window, one, cpu[kind])
                        latencies[kind] += lat
                        errors[kind] += err
                        rates[kind].append(len(lat) / window)
            finally:
                for client in pool:
                    await client.aclose()

        try:
            asyncio.run(everything())
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        done = {k: len(latencies[k]) for k in kinds}

        def cpu_line(kind: str) -> str:
            each = {g: v * 1000 / max(done[kind], 1) for g, v in cpu[kind].used.items()}
            return "CPU ms each: " + "  ".join(f"{g} {v:.1f}" for g, v in each.items())

        rate = {k: done[k] / SECONDS for k in kinds}
        if "bare" not in kinds or len(kinds) < 3:
            for kind in kinds:
                print(f"{kind}: {rate[kind]:.1f} /s, p99 {p(latencies[kind], 99):.0f} ms, {cpu_line(kind)}")
            return
        round_ratios = {k: sorted(r / b for r, b in zip(rates[k], rates["bare"], strict=True)) for k in ("one", "two")}
        print(
            f"clients={CLIENTS} seconds={SECONDS} in {ROUNDS} alternating rounds (each after {WARM} s of warm-up) "
            f"attachment=200KB server=gunicorn workers={WORKERS} threads={THREADS} db=PostgreSQL (app role, RLS) "
            f"broker={env['SMARTGOV_CELERY_BROKER_URL']}"
        )
        labels = {
            "bare": "bare view: ",
            "one": "one call:  ",
            "two": "two calls: ",
        }
        notes = {
            "bare": "",
            "one": "   (application with its file: POST /applications/with-files)",
            "two": "   (POST /documents, then POST /applications)",
        }
        for kind in kinds:
            lat = latencies[kind]
            print(
                f"{labels[kind]} {rate[kind]:8.1f} /s  p50 {p(lat, 50):6.1f} ms  p99 {p(lat, 99):6.1f} ms"
                f"  errors {errors[kind]}{notes[kind]}\n             {cpu_line(kind)}"
            )
        for kind in ("one", "two"):
            ratios = round_ratios[kind]
            print(
                f"ratio, {labels[kind].strip(' :')}: {rate[kind] / rate['bare']:.1%} of the bare view's throughput "
                f"(rounds {', '.join(f'{r:.1%}' for r in ratios)}; median {statistics.median(ratios):.1%}; "
                f"target >= 30%); p99 {p(latencies[kind], 99):.0f} ms (target < 250 ms)"
            )

    main()
