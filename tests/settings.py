"""The test run's settings: the platform's own, with the data folder (files, mail and SMS outboxes,
static files) in a fresh temporary folder instead of the developer's ``./var``. pytest-django loads
settings before any conftest runs, so the folder is chosen here, where the settings are read."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SMARTGOV_DATA_DIR", tempfile.mkdtemp(prefix="smartgov-test-"))
os.environ.setdefault("SMARTGOV_LOG_JSON", "false")
os.environ.setdefault("SMARTGOV_LOG_LEVEL", "WARNING")

from smartgov.config.settings import *  # noqa: F403
from smartgov.config.settings import STATIC_ROOT

# `smartgov serve` collects static files into STATIC_ROOT; tests serve them from the apps' folders.
# An empty one spares a WhiteNoise warning on every app start, so real warnings stay visible.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# Processes the tests start (gunicorn, Celery workers, tests.cases.serverworld) load the platform's
# own settings, as in production; the data folder reaches them through SMARTGOV_DATA_DIR.
os.environ["DJANGO_SETTINGS_MODULE"] = "smartgov.config.settings"
