"""``smartgov audit verify [--tenant SLUG]``: prove the hash chains; exit 1 naming the first break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.audit import selectors
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context


class Command(BaseCommand):
    help = "Audit trail tools: verify the hash chains."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute every chain (or one tenant's).")
        verify.add_argument("--tenant", help="Tenant slug; default: the platform chain and every tenant.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.get("tenant")
        targets = [tenancy_selectors.tenant_by_slug(slug)] if slug else [None, *tenancy_selectors.tenants()]
        broken = 0
        for tenant in targets:
            name = tenant.slug if tenant is not None else "platform"
            with tenant_context(tenant):
                problem = selectors.verify_chain(tenant)
            if problem is None:
                self.stdout.write(f"{name}: intact")
            else:
                broken += 1
                where = (
                    f"event {problem.event_id} (seq {problem.seq})"
                    if problem.event_id
                    else f"after seq {problem.seq}"
                )
                self.stderr.write(f"{name}: BROKEN at {where}: {problem.reason}")
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken")
