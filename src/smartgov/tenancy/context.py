"""The tenant a request or task acts for.

Two guards hold the line between tenants. Selectors take the tenant explicitly (the first guard);
on PostgreSQL, ``activate`` also sets ``app.tenant_id`` for the current transaction with
``set_config(..., true)``, so row-level security hides every other tenant's rows even from a
query that forgot its filter (the second guard). ``set_config`` with ``is_local=true`` lasts only
until the transaction ends, so a pooled connection can never leak a tenant into the next request.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from smartgov.tenancy.models import Tenant

_current: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar("smartgov_tenant", default=None)


def current_tenant() -> Tenant | None:
    return _current.get()


def _set_database_tenant(tenant_id: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant_id])


@contextlib.contextmanager
def acting_for(tenant: Tenant | None) -> Iterator[None]:
    """Name the tenant for code that reads ``current_tenant`` without opening a transaction."""
    token = _current.set(tenant)
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def tenant_context(tenant: Tenant | None) -> Iterator[None]:
    """Run the block in one transaction acting for ``tenant`` (None: platform scope, no tenant rows)."""
    token = _current.set(tenant)
    try:
        with transaction.atomic():
            _set_database_tenant(str(tenant.pk) if tenant is not None else "")
            yield
    finally:
        _current.reset(token)
        # Nested inside an outer transaction (a test, a service calling another tenant's scope):
        # hand the database setting back to the outer scope's tenant.
        if connection.in_atomic_block and not connection.needs_rollback:
            outer = _current.get()
            _set_database_tenant(str(outer.pk) if outer is not None else "")
