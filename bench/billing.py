"""Bulk issuance of water bills on PostgreSQL, against a COPY of the same CSV into one table.

Ours: the whole path a biller's upload takes (parse, check every row, price with the tiered tariff,
draw payment codes, COPY into temporary tables and INSERT … SELECT into the row-level-secured bill and
line tables, one ledger transfer and one audit event for the batch). Baseline: PostgreSQL's COPY of
the same CSV file into one plain table with the file's columns, in the same run.

    python bench/billing.py [--rows 1000000] [--payers 200]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

# -- set-up: a migrated PostgreSQL database of the benchmarks' own ------------------------------
# BENCH_DATABASE_URL (default postgres://smartgov_owner@127.0.0.1:5432/smartgov_billing_bench) is
# created when missing and migrated with row-level security, exactly like production.
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://smartgov_owner@127.0.0.1:5432/smartgov_billing_bench"


def pg_setup() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.config.settings")
    os.environ.setdefault("SMARTGOV_LOG_LEVEL", "WARNING")
    os.environ.setdefault("SMARTGOV_LOG_JSON", "false")
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_platform", verbosity=0)
    return url


def fresh_tenant(slug: str):
    """A new tenant (suffixed so runs never collide)."""
    import secrets

    from smartgov.audit.services import Actor
    from smartgov.tenancy import services as tenancy

    suffix = secrets.token_hex(3)
    spec = tenancy.TenantSpec(
        slug=f"{slug}-{suffix}", name_zh="基准", name_en="Bench", kind="city", reference_prefix="BN"
    )
    return tenancy.create_tenant(Actor.system("bench"), spec)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--payers", type=int, default=200)
    args = parser.parse_args()
    pg_setup()

    from django.db import connection, transaction

    from smartgov.accounts import services as accounts
    from smartgov.audit.services import Actor
    from smartgov.billing import selectors, services
    from smartgov.billing.models import Bill
    from smartgov.tenancy import services as tenancy
    from smartgov.tenancy.context import tenant_context

    actor = Actor.system("bench")
    tenant = fresh_tenant("bills")
    with tenant_context(tenant):
        water = tenancy.create_department(actor, tenant, "water-utility", "自来水公司", "Water utility")
        payers = [
            accounts.add_member(actor, tenant, email=f"p{i}@{tenant.slug}.bench", kind="citizen", full_name="王小明")
            for i in range(args.payers)
        ]
    rng = random.Random(1)
    lines = ["payer_id,account_no,previous_reading,current_reading,due_date"]
    for i in range(args.rows):
        previous = rng.randint(0, 5000)
        lines.append(f"{payers[i % len(payers)].pk},W{i:08d},{previous},{previous + rng.randint(1, 40)}.5,2099-01-31")
    content = ("\n".join(lines) + "\n").encode()
    print(f"{args.rows:,} rows, {len(content) / 1e6:.0f} MB of CSV")

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_readings")
        cursor.execute(
            "CREATE TABLE bench_readings (payer_id uuid, account_no text, previous_reading numeric, "
            "current_reading numeric, due_date date)"
        )
    t0 = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY bench_readings FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
    ):
        copy.write(content)
    copy_time = time.perf_counter() - t0

    t0 = time.perf_counter()
    with tenant_context(tenant):
        report = services.bulk_issue_water(
            actor, tenant, water, io.BytesIO(content), filename="bench.csv", dry_run=False
        )
    ours = time.perf_counter() - t0
    assert report.issued == args.rows and not report.problems, report.problems[:3]
    with tenant_context(tenant):
        assert Bill.objects.filter(tenant=tenant, batch_id=report.batch_id).count() == args.rows
        problems = selectors.verify(tenant)
    print(
        f"bulk issue: {args.rows / ours:,.0f} bills/s ({ours:.1f} s); COPY of the same CSV into one table: "
        f"{args.rows / copy_time:,.0f} rows/s ({copy_time:.1f} s); ours takes {ours / copy_time:.1f}x the COPY"
    )
    print(f"ledger verify after the run: {'balanced' if not problems else problems[:3]}")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_readings")


if __name__ == "__main__":
    main()
