"""Test set-up shared by the whole suite.

- SQLite by default; PostgreSQL when DATABASE_URL points at one (CI runs both). On PostgreSQL the
  test database is created and migrated by the owner role, and then, when SMARTGOV_DB_APP_ROLE is
  set, every test runs as the app role, so row-level security guards the whole suite.
- Tests marked ``postgres`` or ``browser`` skip with a reason when that is missing, and fail under
  CI=true instead, so CI can never go green by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Every run gets its own data folder (files, mail and SMS outboxes), never the developer's ./var:
# tests/settings.py chooses it, as pytest-django reads the settings before any conftest.

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("SMARTGOV_CHROMIUM", "/usr/bin/chromium")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing dependency fails instead of skipping)")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _missing("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    if item.get_closest_marker("browser") and not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """After the owner role built the test database, continue as the app role (if configured)."""
    from django.conf import settings
    from django.db import connections

    role = settings.DB_APP_ROLE
    connection = connections["default"]
    if connection.vendor == "postgresql" and role:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            # Transactional tests flush tables between tests; only here may the app role TRUNCATE.
            cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{role}"')
        connection.close()
        connection.settings_dict["SMARTGOV_OWNER_USER"] = connection.settings_dict["USER"]
        connection.settings_dict["USER"] = role
        connection.settings_dict["PASSWORD"] = ""
    yield
    if connection.settings_dict.get("SMARTGOV_OWNER_USER"):
        # The owner created the test database; only the owner may drop it.
        connection.close()
        connection.settings_dict["USER"] = connection.settings_dict.pop("SMARTGOV_OWNER_USER")


@pytest.fixture(autouse=True)
def _fresh_outboxes(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    settings.MEDIA_ROOT = str(tmp_path / "files")
    # Argon2 is deliberately slow; tests hash hundreds of passwords (tests/accounts checks the
    # production hashers themselves).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Rate limits and one-time-code bookkeeping live in the cache: no test inherits another's."""
    from django.core.cache import cache

    from smartgov.kit.memo import clear_all

    cache.clear()
    clear_all()
    yield
    cache.clear()
    clear_all()
