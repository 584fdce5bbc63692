"""PostgreSQL plumbing shared by the ledger's statements."""

from __future__ import annotations

from typing import Any

from django.db import connection


def bound_cursor() -> Any:
    """A psycopg cursor on Django's connection (same session and transaction), for binary
    parameters (``%b``): a batch's arrays of a thousand ids and amounts go faster as binary than
    as text.

    Its batch statements are run with ``prepare=False``. Settings let psycopg prepare a statement
    a connection runs often, and PostgreSQL then settles on a generic plan, which can't know how
    long a batch's arrays are. Prepared, the batched posting of bench/ledger.py (b) fell from
    40,541 to 18,658 transfers/s."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)
