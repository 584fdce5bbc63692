"""The ``smartgov`` command.

smartgov demo [--port N]        migrate, load the demo world, print logins, serve
smartgov serve [--port N]       production server (gunicorn); refuses debug or the default secret
smartgov migrate                migrations as the owner role, then row-level security and grants
smartgov worker                 a Celery worker
smartgov tenant create|list|suspend|reactivate|archive ...
smartgov apikey create ...      an API key (tenant or platform), shown once
smartgov audit verify [--tenant SLUG]
smartgov <any Django management command>
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.config.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    if argv[0] == "worker":
        from smartgov.config.celery import app

        app.worker_main(["worker", "--loglevel=INFO", *argv[1:]])
        return
    if argv == ["migrate"]:
        argv = ["migrate_platform"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["smartgov", *argv])


if __name__ == "__main__":
    main()
