"""The tenant a request or task acts for.

Two guards hold the line between tenants. Selectors take the tenant explicitly (the first guard);
on PostgreSQL, ``activate`` also sets ``app.tenant_id`` for the current transaction with
``set_config(..., true)``, so row-level security hides every other tenant's rows even from a
query that forgot its filter (the second guard). ``set_config`` with ``is_local=true`` lasts only
until the transaction ends, so a pooled connection can never leak a tenant into the next request.

A few views call out to another system (a payment provider) and must hold no transaction while they
wait. They are named with ``own_transactions``; the tenant middleware runs them in ``tenant_session``
instead: ``app.tenant_id`` is set for the database session, every statement of the request sees the
tenant whether or not a transaction is open, and the setting is cleared when the view returns (the
connection is closed if clearing fails, so it cannot leak either).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import connection, transaction

from smartgov.kit import statements

if TYPE_CHECKING:
    from smartgov.tenancy.models import Tenant

_current: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar("smartgov_tenant", default=None)
# URL names of the views that open their own short transactions (see own_transactions).
_OWN_TRANSACTIONS: set[str] = set()


def current_tenant() -> Tenant | None:
    return _current.get()


def _set_database_tenant(tenant_id: str, *, session: bool = False) -> None:
    if connection.vendor == "postgresql":
        with statements.cursor() as cursor:  # prepared: every tenant request runs it
            cursor.execute("SELECT set_config('app.tenant_id', %s, %s)", [tenant_id, not session])


def own_transactions(url_name: str) -> str:
    """Name a view (by its URL name) that opens its own short transactions because it waits on another
    system in between; returns the name, for ``path(..., name=own_transactions("..."))``."""
    _OWN_TRANSACTIONS.add(url_name)
    return url_name


def opens_own_transactions(url_name: str | None) -> bool:
    return url_name in _OWN_TRANSACTIONS


@contextlib.contextmanager
def acting_for(tenant: Tenant | None) -> Iterator[None]:
    """Name the tenant for code that reads ``current_tenant`` without opening a transaction."""
    token = _current.set(tenant)
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def tenant_session(tenant: Tenant | None) -> Iterator[None]:
    """Act for ``tenant`` without opening a transaction: on PostgreSQL ``app.tenant_id`` is set for the
    session until the block ends. For views named with ``own_transactions`` (and tasks) that must not
    hold a transaction while they wait; their services open short ones (``tenant_context``)."""
    if connection.in_atomic_block:
        # Inside a transaction already (a test, a caller's unit of work): a session setting would
        # outlive it, and there is no escaping that transaction anyway.
        with tenant_context(tenant):
            yield
        return
    token = _current.set(tenant)
    _set_database_tenant(str(tenant.pk) if tenant is not None else "", session=True)
    try:
        yield
    finally:
        _current.reset(token)
        try:
            _set_database_tenant("", session=True)
        except Exception:
            connection.close()  # a connection that may still carry the tenant is not used again
            raise


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
