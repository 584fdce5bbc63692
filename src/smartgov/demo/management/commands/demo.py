"""``smartgov demo``: create the embedded database, load the demo world, print logins, serve."""

from __future__ import annotations

import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from smartgov.demo import world
from smartgov.web import serving


class Command(BaseCommand):
    help = "Load the demo city (idempotent) and run the server with it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="Load and print, but do not serve")
        parser.add_argument("--totp", metavar="EMAIL", help="Print the current TOTP code of a demo account")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-paysim", action="store_true", help="Do not start the payment-provider simulator beside the server"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["totp"]:
            email = options["totp"]
            if not email.endswith(".demo"):
                raise CommandError("Only demo accounts (…@….demo) have a known TOTP secret.")
            counter = next(iter(yield_hotp_counters_from_time()))
            self.stdout.write(format_hotp_value(hotp_value(world.demo_totp_secret(email), counter)))
            return
        call_command("migrate_platform", verbosity=0)
        with transaction.atomic():
            logins, created = world.load()
        self.stdout.write(("Loaded" if created else "Reusing") + f" the demo world in {settings.DATA_DIR}")
        self.stdout.write(f"\nDemo logins (password for every account: {world.PASSWORD})")
        for role, email, secret in logins.people:
            line = f"  {role:<32} {email}"
            if secret:
                line += f"   TOTP secret {secret}"
            self.stdout.write(line)
        self.stdout.write("  Staff sign in with a TOTP code: add the secret to an authenticator app, or run")
        self.stdout.write("  `smartgov demo --totp EMAIL` for the current code.")
        self.stdout.write("\nDemo API keys (new each run; the previous ones are revoked)")
        for slug, key in logins.api_keys:
            self.stdout.write(f"  {slug:<10} {key}")
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            f"\nTry: curl -H 'Authorization: Bearer {logins.api_keys[0][1]}' "
            f"{base}/api/v1/t/{logins.api_keys[0][0]}/departments"
        )
        self.stdout.write(f"Portal: {base}/   API docs: {base}/api/v1/docs\n")
        if options["no_serve"]:
            return
        if not options["no_paysim"] and not settings.PAYMENT_PROVIDERS:
            self._start_paysim()
        serving.exec_gunicorn(options["host"], options["port"], options["workers"])

    def _start_paysim(self) -> None:
        """The demo's payments go to the simulator (`smartgov paysim`), a process of its own beside the
        server: it stops with the server on Ctrl-C (same process group)."""
        url = urlsplit(settings.PAYSIM_URL)
        call_command("paysim", keys_only=True, stdout=self.stdout)
        subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "smartgov.cli", "paysim", "--host", url.hostname or "127.0.0.1",
             "--port", str(url.port or 8010)],
        )
        self.stdout.write(f"Payment-provider simulator: {settings.PAYSIM_URL}")
