"""Reaching underneath the app, as an attacker or a DBA with database access would."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection


def db_id(value: Any) -> str:
    """How a UUID primary key is spelled in raw SQL on this database."""
    return value.hex if connection.vendor == "sqlite" else str(value)


@contextlib.contextmanager
def owner_cursor() -> Iterator[Any]:
    """A cursor with the table owner's rights, committing at once. On PostgreSQL a separate
    connection as the owner role (the app role may not touch audit rows at all), so use it from
    tests marked ``django_db(transaction=True)``, whose data is committed."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    s = connection.settings_dict
    owner = s.get("SMARTGOV_OWNER_USER") or s["USER"]
    with (
        psycopg.connect(
            dbname=s["NAME"], user=owner, host=s["HOST"] or None, port=s["PORT"] or None, autocommit=True
        ) as conn,
        conn.cursor() as cursor,
    ):
        yield cursor


def app_role_connection(tenant_id: str | None = None) -> Any:
    """A fresh connection as the app role (PostgreSQL only), with ``app.tenant_id`` set when given."""
    import psycopg
    from django.conf import settings

    s = connection.settings_dict
    conn = psycopg.connect(
        dbname=s["NAME"],
        user=settings.DB_APP_ROLE,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=False,
    )
    if tenant_id is not None:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant_id])
    return conn
