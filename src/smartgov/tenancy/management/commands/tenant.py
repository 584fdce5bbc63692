"""``smartgov tenant create|list|suspend|reactivate|archive``: the operator's tenant tools."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.audit.services import Actor
from smartgov.kit.errors import DomainError
from smartgov.tenancy import selectors, services


class Command(BaseCommand):
    help = "Create, list, suspend, reactivate or archive tenants."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Provision a tenant.")
        create.add_argument("slug")
        create.add_argument("--name-zh", required=True)
        create.add_argument("--name-en", required=True)
        create.add_argument("--kind", required=True, choices=["province", "city", "agency"])
        create.add_argument("--prefix", required=True, help="Reference prefix, e.g. LS")
        create.add_argument("--parent", help="Parent tenant slug")
        create.add_argument("--crypto", default="intl", choices=["intl", "gm"])
        listing = sub.add_parser("list", help="List tenants with their health.")
        listing.add_argument("--status", choices=["active", "suspended", "archived"])
        for name in ("suspend", "reactivate", "archive"):
            p = sub.add_parser(name, help=f"{name.capitalize()} a tenant.")
            p.add_argument("slug")
            p.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("smartgov tenant (command line)")
        action = options["action"]
        try:
            if action == "create":
                spec = services.TenantSpec(
                    slug=options["slug"],
                    name_zh=options["name_zh"],
                    name_en=options["name_en"],
                    kind=options["kind"],
                    reference_prefix=options["prefix"],
                    parent_slug=options["parent"],
                    crypto_profile=options["crypto"],
                )
                tenant = services.create_tenant(actor, spec)
                self.stdout.write(f"created {tenant.slug} ({tenant.pk})")
            elif action == "list":
                self.stdout.write(
                    f"{'slug':<16}{'kind':<10}{'status':<11}{'parent':<14}{'members':>8}{'events':>8}"
                )
                for t in selectors.tenants(options["status"]):
                    h = selectors.tenant_health(t)
                    parent = t.parent.slug if t.parent else "-"
                    self.stdout.write(
                        f"{t.slug:<16}{t.kind:<10}{t.status:<11}{parent:<14}{h.members:>8}{h.audit_events:>8}"
                    )
            else:
                change = {
                    "suspend": services.suspend_tenant,
                    "reactivate": services.reactivate_tenant,
                    "archive": services.archive_tenant,
                }[action]
                tenant = change(actor, selectors.tenant_by_slug(options["slug"]), options["reason"])
                self.stdout.write(f"{tenant.slug}: {tenant.status}")
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
