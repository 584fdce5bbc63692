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
import random
import time

from _pg import fresh_tenant, pg_setup  # bench/ is the script's folder, so first on sys.path


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
