"""``smartgov apikey create --tenant SLUG|--platform --name N --permission P ...``: prints the key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.accounts import permissions as perms
from smartgov.accounts import services
from smartgov.audit.services import Actor
from smartgov.kit.errors import DomainError
from smartgov.tenancy import selectors
from smartgov.tenancy.context import tenant_context


class Command(BaseCommand):
    help = "Create an API key for a tenant's system or for platform automation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        scope = create.add_mutually_exclusive_group(required=True)
        scope.add_argument("--tenant", help="Tenant slug")
        scope.add_argument("--platform", action="store_true", help="A platform key (tenant administration)")
        create.add_argument("--name", required=True)
        create.add_argument("--permission", action="append", default=[], help="Repeat for several")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("smartgov apikey (command line)")
        tenant = None if options["platform"] else selectors.tenant_by_slug(options["tenant"])
        permissions = options["permission"] or ([perms.PLATFORM_TENANTS] if tenant is None else [])
        try:
            with tenant_context(tenant):
                client, key = services.create_api_client(actor, tenant, options["name"], permissions)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"client {client.pk}\nkey (shown once): {key}")
