from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartgov.web import serving


class Command(BaseCommand):
    help = "Run the production web server (gunicorn, threaded workers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=0, help="0: 2 x cores + 1 (or SMARTGOV_WORKERS)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            serving.check_production_safety()
        except serving.RefusedToStart as exc:
            raise CommandError(str(exc)) from None
        workers = options["workers"] or settings.WEB_WORKERS
        self.stdout.write(f"smartgov serving on http://{options['host']}:{options['port']} ({settings.DATA_DIR})")
        serving.exec_gunicorn(options["host"], options["port"], workers)
