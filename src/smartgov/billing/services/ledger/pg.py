"""PostgreSQL plumbing shared by the ledger's statements."""

from __future__ import annotations

from typing import Any

from django.db import connection


def bound_cursor() -> Any:
    """A server-side-binding cursor with binary parameters on Django's psycopg connection (same
    session and transaction). Django's own cursor renders parameters into the SQL text, which for
    a batch's arrays of a thousand ids and amounts costs more than the statement itself."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
