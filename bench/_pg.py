"""Shared set-up of the PostgreSQL benchmarks (ledger.py, billing.py): a migrated database of their
own and fresh tenants."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# BENCH_DATABASE_URL (default postgres://smartgov_owner@127.0.0.1:5432/smartgov_billing_bench) is
# created when missing and migrated with row-level security, exactly like production.
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://smartgov_owner@127.0.0.1:5432/smartgov_billing_bench"


def pg_setup(*, fresh: bool = False) -> str:
    """Migrate the bench database; ``fresh`` drops it first, so a run starts from empty tables, as
    its baseline's table does (a ledger grown by earlier runs is slower to insert into)."""
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
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
