"""``smartgov tax assess --period YYYY-MM [--tenant SLUG] [--show N]``: the monthly compliance check
and provisional assessment of unfiled withholding agents, per tenant (every active one by default).

``smartgov tax setup [--tenant SLUG]``: the tax bureau department and its late-charge rule.

``smartgov tax refund-paid --tenant SLUG --reference HS-2026-000001 --bank-reference REF``: the treasury
paid a reconciliation refund out; posts it in the ledger with the payout."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.audit.services import Actor
from smartgov.kit.errors import DomainError
from smartgov.kit.money import format_amount
from smartgov.tax import selectors, services
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

ACTOR = Actor.system("smartgov tax")


class Command(BaseCommand):
    help = "Tax bureau tools: assess a period; set up the tax bureau."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assess = sub.add_parser("assess", help="Compliance check and assessment of unfiled agents for a period.")
        assess.add_argument("--period", required=True, help="YYYY-MM")
        assess.add_argument("--tenant", help="Tenant slug; default: every active tenant.")
        assess.add_argument("--show", type=int, default=20, help="How many unfiled agents to list (default 20).")
        assess.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
        setup = sub.add_parser("setup", help="Create the tax bureau and its late-charge rule (0.05 %% a day).")
        setup.add_argument("--tenant", help="Tenant slug; default: every active tenant.")
        paid = sub.add_parser("refund-paid", help="Record that the treasury paid a reconciliation refund out.")
        paid.add_argument("--tenant", required=True, help="Tenant slug.")
        paid.add_argument("--reference", required=True, help="The reconciliation's reference (HS-...).")
        paid.add_argument("--bank-reference", required=True, help="The bank's reference of the payout.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.get("tenant")
        try:
            tenants = [tenancy_selectors.tenant_by_slug(slug)] if slug else list(tenancy_selectors.tenants("active"))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for tenant in tenants:
            try:
                if options["action"] == "refund-paid":
                    with tenant_context(tenant):
                        paid = services.confirm_refund_paid(
                            ACTOR,
                            tenant,
                            selectors.reconciliation_by_reference(tenant, options["reference"]),
                            bank_reference=options["bank_reference"],
                        )
                    self.stdout.write(
                        f"{tenant.slug} {paid.reference}: refund of {format_amount(-paid.balance)} paid out"
                    )
                    continue
                if options["action"] == "setup":
                    with tenant_context(tenant):
                        services.configure_late_charges(ACTOR, tenant)
                    self.stdout.write(f"{tenant.slug}: tax bureau late charge set (0.05 % a day)")
                    continue
                started = time.perf_counter()
                with tenant_context(tenant):
                    report = services.assess(ACTOR, tenant, options["period"])
                elapsed = time.perf_counter() - started
            except DomainError as exc:
                raise CommandError(f"{tenant.slug}: {exc.message}") from None
            if options["json"]:
                self.stdout.write(json.dumps({"tenant": tenant.slug, **report.as_dict()}, ensure_ascii=False))
                continue
            self.stdout.write(
                f"{tenant.slug} {report.period}: {report.registered} agents registered, {report.filed} filed, "
                f"{len(report.unfiled)} not filed; provisional assessment {format_amount(report.estimated_total)} "
                f"({elapsed:.2f}s)"
            )
            for row in report.unfiled[: options["show"]]:
                self.stdout.write(
                    f"  {row['uscc']}  {row['name']}  last filed {row['last_period'] or '-'}  "
                    f"estimated {format_amount(row['estimated'])}"
                )
