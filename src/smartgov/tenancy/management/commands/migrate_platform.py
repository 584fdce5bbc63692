"""``smartgov migrate``: apply migrations as the table owner, then row-level security and the app
role's grants (both also run after every plain ``migrate`` through the post_migrate signal)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations as the owner role, enable row-level security, grant the app role."

    def handle(self, *args: Any, **options: Any) -> None:
        database = "owner" if "owner" in settings.DATABASES else "default"
        call_command("migrate", database=database, interactive=False, verbosity=options["verbosity"])
        self.stdout.write(f"migrated ({database} connection)")
