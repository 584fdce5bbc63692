"""Where a submission's CPU goes, in-process: the same one-call submission as bench/submit.py
(``POST /applications/with-files`` with a 200 KB PDF, an agency's API key, PostgreSQL as the app role
with row-level security) through Django's test client, no server and no network in between.

    python bench/submit_profile.py [--calls 300] [--profile] [--sql]

Prints the CPU milliseconds per call of this process (Python) and of the PostgreSQL backend (read
from /proc), next to a bare view that inserts one row with the same body; ``--profile`` adds a
cProfile of the calls (CPU-time timer), ``--sql`` the statements of one call. A tool for finding
work to cut, not a target: bench/submit.py is the figure.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = "smartgov_submit_profile"
HOST = "127.0.0.1"
ATTACHMENT = b"%PDF-1.4\n" + os.urandom(200 * 1024 - 20) + b"\n%%EOF\n"


def arg(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def setup() -> dict[str, str]:
    import psycopg

    with psycopg.connect(host=HOST, user="smartgov_owner", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SMARTGOV_", "DJANGO_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DATABASE_URL": f"postgres://smartgov_app@{HOST}:5432/{DB}",
            "SMARTGOV_OWNER_DATABASE_URL": f"postgres://smartgov_owner@{HOST}:5432/{DB}",
            "SMARTGOV_DB_APP_ROLE": "smartgov_app",
            "SMARTGOV_DATA_DIR": tempfile.mkdtemp(prefix="smartgov-profile-"),
            "SMARTGOV_SECRET_KEY": secrets.token_urlsafe(40),
            "SMARTGOV_DEBUG": "false",
            "SMARTGOV_ALLOWED_HOSTS": "testserver",
            "SMARTGOV_LOG_LEVEL": "WARNING",
            "SMARTGOV_CELERY_BROKER_URL": os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/15"),
        }
    )
    made = subprocess.run(
        [sys.executable, "-m", "tests.cases.serverworld", "profilecity"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    with psycopg.connect(host=HOST, user="smartgov_owner", dbname=DB, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_bare (id bigserial PRIMARY KEY, size int, head text, created_at timestamptz NOT NULL)"
        )
        conn.execute("GRANT SELECT, INSERT ON bench_bare TO smartgov_app")
        conn.execute("GRANT USAGE ON SEQUENCE bench_bare_id_seq TO smartgov_app")
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    return json.loads(made.stdout.strip().splitlines()[-1])


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    calls = arg("--calls", 300)
    world = setup()
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartgov.config.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['key']}"}
    url = f"/api/v1/t/{world['tenant']}/applications/with-files"
    counter = iter(range(10**9))

    def one() -> None:
        n = next(counter)
        application = {
            "service_id": world["service_id"],
            "applicant_id": world["citizen_id"],
            "data": {"shop_name": f"第{n}号店", "area": 10 + n % 90},
        }
        upload = io.BytesIO(ATTACHMENT)
        upload.name = f"lease-{n}.pdf"
        r = client.post(
            url,
            {"application": json.dumps(application, ensure_ascii=False), "lease": upload},
            HTTP_IDEMPOTENCY_KEY=f"p-{n}-{secrets.token_hex(4)}",
            **auth,
        )
        assert r.status_code == 201, r.content[:300]

    def bare() -> None:
        body = ATTACHMENT
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (size, head, created_at) VALUES (%s, %s, now()) RETURNING id",
                [len(body), body[:64].hex()],
            )
            cursor.fetchone()

    for _ in range(20):
        one()  # warm: caches, connection
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid

    def measure(fn, n: int) -> tuple[float, float]:
        cpu0, db0 = time.process_time(), backend_cpu(pid)
        for _ in range(n):
            fn()
        return (time.process_time() - cpu0) * 1000 / n, (backend_cpu(pid) - db0) * 1000 / n

    bare_py, bare_db = measure(bare, calls)
    for round_ in range(3):
        py, db = measure(one, calls)
        print(f"round {round_ + 1}: one call {py:.2f} ms Python + {db:.2f} ms PostgreSQL per call")
    print(f"(bare insert: {bare_py:.2f} ms Python + {bare_db:.2f} ms PostgreSQL)")

    if "--sql" in sys.argv:
        with CaptureQueriesContext(connection) as queries:
            one()
        print(f"{len(queries)} statements:")
        for q in queries.captured_queries:
            print("  ", q["sql"][:220])

    if "--profile" in sys.argv:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(calls):
            one()
        profiler.disable()
        profiler.dump_stats("/tmp/submit.prof")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(90)
        stats.sort_stats("tottime").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
