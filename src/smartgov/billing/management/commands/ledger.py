"""``smartgov ledger verify [--tenant SLUG]``: prove every tenant's books; exit 1 naming what is off."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.billing import selectors
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context


class Command(BaseCommand):
    help = "Ledger tools: verify the double-entry invariants of the billing ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Check debits = credits, balances = transfers, one posting per payment.")
        verify.add_argument("--tenant", help="Tenant slug; default: every tenant.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.get("tenant")
        targets = [tenancy_selectors.tenant_by_slug(slug)] if slug else list(tenancy_selectors.tenants())
        broken = 0
        for tenant in targets:
            with tenant_context(tenant):
                problems = selectors.verify(tenant)
            if not problems:
                self.stdout.write(f"{tenant.slug}: balanced")
                continue
            broken += 1
            for problem in problems:
                self.stderr.write(f"{tenant.slug}: {problem}")
        if broken:
            raise CommandError(f"{broken} tenant ledger(s) failed verification")
