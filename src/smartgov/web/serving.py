"""Starting the production server (gunicorn) for ``smartgov serve`` and ``smartgov demo``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


class RefusedToStart(Exception):
    pass


def check_production_safety() -> None:
    if settings.DEBUG:
        raise RefusedToStart("SMARTGOV_DEBUG is on: a production server must not run in debug mode.")
    if settings.USING_DEFAULT_SECRET:
        raise RefusedToStart("SMARTGOV_SECRET_KEY is the development default: set a secret of your own.")


def worker_count(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1) * 2 + 1


def exec_gunicorn(host: str, port: int, workers: int) -> None:
    """Replace this process with gunicorn (signals and exit codes then belong to it)."""
    metrics_dir = Path(settings.DATA_DIR) / "metrics"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    call_command("collectstatic", interactive=False, verbosity=0)
    args = [
        sys.executable, "-m", "gunicorn", "smartgov.config.wsgi:application",
        "--config", "python:smartgov.config.gunicorn",
        "--bind", f"{host}:{port}", "--workers", str(worker_count(workers)),
    ]
    sys.stdout.flush()
    os.execv(sys.executable, args)  # noqa: S606 - a fixed argument list, no shell
