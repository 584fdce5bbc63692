"""``smartgov tax assess`` over 10,000 employers × 100 employees on PostgreSQL, end to end.

    python bench/tax_assess.py [--employers 10000] [--employees 100] [--keep]

Builds a scratch database (``smartgov_taxbench`` on the server of ``DATABASE_URL``, default
``postgres://smartgov_owner@127.0.0.1:5432/...``), migrates it, and generates the population with
bulk inserts and COPY: the employers as business members registered as withholding agents, their
February returns (all filed) and March returns (9 in 10 filed), 100 lines each with encrypted
identity numbers. Then it times ``smartgov tax assess --period 2026-03`` as its own process (start-up,
queries, report) and, as the baseline in the same run, the naive way: one "has it filed?" query per
agent through the ORM. Prints both, their ratio and whether the 5-minute target holds.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "smartgov_taxbench"
PERIODS = ("2026-02", "2026-03")
TARGET_SECONDS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=10_000)
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://smartgov_owner@127.0.0.1:5432/postgres")
    base = server.rsplit("/", 1)[0]
    url = f"{base}/{DB_NAME}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src"), "SMARTGOV_LOG_LEVEL": "WARNING"}
    env.pop("SMARTGOV_DB_APP_ROLE", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "smartgov.cli", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    migrated = time.perf_counter() - started

    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "PYTHONPATH", "SMARTGOV_LOG_LEVEL")})
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartgov.config.settings"
    import django

    django.setup()
    started = time.perf_counter()
    tenant, agents = populate(args.employers, args.employees)
    generated = time.perf_counter() - started

    command = [sys.executable, "-m", "smartgov.cli", "tax", "assess", "--period", PERIODS[1], "--tenant", tenant.slug]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assess_seconds = time.perf_counter() - started

    baseline_seconds = naive_baseline(tenant, agents)

    print(done.stdout.splitlines()[0])
    print(
        f"population: {args.employers:,} employers × {args.employees} employees, "
        f"{2 * args.employers * args.employees * 9 // 10 + args.employers * args.employees // 10:,} lines "
        f"(migrate {migrated:.1f}s, generate {generated:.1f}s)"
    )
    print(
        f"smartgov tax assess, end to end: {assess_seconds:.2f}s (target < {TARGET_SECONDS}s: "
        f"{'met' if assess_seconds < TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"baseline (one ORM query per agent): {baseline_seconds:.2f}s; ratio {baseline_seconds / assess_seconds:.1f}×"
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")


def populate(employers: int, employees: int):  # type: ignore[no-untyped-def]
    """Employers, their registrations, returns and lines: ORM bulk inserts for the 10,000s, COPY for
    the millions."""
    from django.db import connection

    from smartgov.accounts.models import Membership, Profile, User
    from smartgov.audit.services import Actor
    from smartgov.kit import identity
    from smartgov.kit.ids import uuid7
    from smartgov.tax.models import Taxpayer
    from smartgov.tenancy import keys
    from smartgov.tenancy import services as tenancy
    from smartgov.tenancy.context import tenant_context

    rng = random.Random(2026)
    now = datetime.now(UTC)
    tenant = tenancy.create_tenant(
        Actor.system("bench"), tenancy.TenantSpec("taxbench", "基准市", "Bench City", "city", "TB")
    )
    with tenant_context(tenant):
        users = [
            User(id=uuid7(), email=f"employer{i}@bench.test", password="!", date_joined=now) for i in range(employers)
        ]
        User.objects.bulk_create(users, batch_size=5000)
        members = [Membership(id=uuid7(), tenant=tenant, user=u, kind="business", created_at=now) for u in users]
        Membership.objects.bulk_create(members, batch_size=5000)
        usccs = sorted({identity.fake_uscc(rng) for _ in range(employers * 2)})[:employers]
        Profile.objects.bulk_create(
            [
                Profile(
                    id=uuid7(),
                    tenant=tenant,
                    membership=m,
                    full_name="法人",
                    company_name=f"企业{i:05d}",
                    uscc=usccs[i],
                    updated_at=now,
                )
                for i, m in enumerate(members)
            ],
            batch_size=5000,
        )
        agents = [
            Taxpayer(id=uuid7(), tenant=tenant, membership=m, uscc=usccs[i], name=f"企业{i:05d}", registered_at=now)
            for i, m in enumerate(members)
        ]
        Taxpayer.objects.bulk_create(agents, batch_size=5000)

        # One identity number per employee, encrypted once, reused for both months.
        people = []
        for _ in range(employers * employees):
            number = identity.fake_resident_id(rng)
            people.append(
                (
                    keys.encrypt(tenant, number, "tax.withholding_line.id_number"),
                    keys.blind_index(tenant, number),
                    identity.mask(number),
                )
            )
        returns, lines = [], []
        counter = 0
        for month_index, period in enumerate(PERIODS):
            for a_index, agent in enumerate(agents):
                if month_index == 1 and a_index % 10 == 9:
                    continue  # one in ten has not filed March
                counter += 1
                return_id = uuid7()
                total = 0
                for e in range(employees):
                    cipher, index, masked = people[a_index * employees + e]
                    wages = 800_000 + 100 * ((a_index * 31 + e * 17) % 5000)
                    withheld = max(0, (wages - 500_000 - 80_000) * 3 // 100)
                    total += withheld
                    lines.append(
                        (
                            uuid7(),
                            tenant.pk,
                            return_id,
                            e + 2,
                            cipher,
                            index,
                            masked,
                            "员工",
                            wages,
                            80_000,
                            month_index + 1,
                            wages * (month_index + 1),
                            withheld,
                            withheld,
                            {},
                        )
                    )
                returns.append(
                    (
                        return_id,
                        tenant.pk,
                        f"TBWH-2026-{counter:06d}",
                        agent.pk,
                        period,
                        2026,
                        int(period[-2:]),
                        "filed",
                        employees,
                        employees * 800_000,
                        total,
                        total,
                        0,
                        "payroll.csv",
                        "bench",
                        now,
                    )
                )
        with connection.cursor() as cursor:
            raw = cursor.cursor
            # COPY refuses tables under FORCE'd row-level security; the owner lifts FORCE for the
            # load only (it bypasses RLS on its own tables then) and restores it before the run.
            cursor.execute(
                "ALTER TABLE tax_withholdingreturn NO FORCE ROW LEVEL SECURITY; "
                "ALTER TABLE tax_withholdingline NO FORCE ROW LEVEL SECURITY"
            )
            with raw.copy(
                "COPY tax_withholdingreturn (id, tenant_id, reference, agent_id, period, year, month, status, "
                "employee_count, total_income, total_withholding, billed_amount, overpaid, source_name, filed_by, "
                "filed_at, bill_reference) FROM STDIN"
            ) as copy:
                for row in returns:
                    copy.write_row((*row, ""))
            from psycopg.types.json import Jsonb

            with raw.copy(
                "COPY tax_withholdingline (id, tenant_id, withholding_return_id, row, id_number_cipher, "
                "id_number_index, id_number_masked, name, wages, social_insurance, months_employed, ytd_income, "
                "wage_withholding, withholding, explanation, labour, authors, royalties, special_additional, "
                "other_deductions, ytd_deductions, ytd_taxable, ytd_tax, ytd_withheld_before, other_withholding) "
                "FROM STDIN"
            ) as copy:
                for row in lines:
                    copy.write_row((*row[:-1], Jsonb(row[-1]), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            cursor.execute(
                "SET CONSTRAINTS ALL IMMEDIATE; "
                "ALTER TABLE tax_withholdingreturn FORCE ROW LEVEL SECURITY; "
                "ALTER TABLE tax_withholdingline FORCE ROW LEVEL SECURITY"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tax_withholdingreturn; ANALYZE tax_withholdingline; ANALYZE tax_taxpayer")
    return tenant, agents


def naive_baseline(tenant, agents) -> float:  # type: ignore[no-untyped-def]
    from smartgov.tax.models import WithholdingReturn
    from smartgov.tenancy.context import tenant_context

    started = time.perf_counter()
    with tenant_context(tenant):
        unfiled = [
            a
            for a in agents
            if not WithholdingReturn.objects.filter(
                tenant=tenant, agent=a, period=PERIODS[1], status__in=["filed", "amended"]
            ).exists()
        ]
    assert len(unfiled) == len(agents) // 10
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
