"""Readable references (``LS-2026-000123``): a counter row per tenant and year."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from smartgov.cases.models import ReferenceCounter
from smartgov.cases.services import _common as common
from smartgov.kit import ids, statements
from smartgov.tenancy.models import Tenant


def _take_number(tenant: Tenant, year: int) -> int | None:
    """Increment the year's counter and read it back in one statement (None: no row yet)."""
    meta = ReferenceCounter._meta
    tenant_id = meta.get_field("tenant").get_db_prep_value(tenant.pk, connection)
    with statements.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(meta.db_table)} SET last = last + 1 "  # noqa: S608
            "WHERE tenant_id = %s AND year = %s RETURNING last",
            [tenant_id, year],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def allocate_reference(tenant: Tenant, year: int) -> str:
    """The next readable reference of the tenant's year. The counter row is locked until the
    submitting transaction ends, so concurrent submissions get consecutive, distinct numbers and
    a rolled-back submission gives its number back. One statement once the year's row exists."""
    number = _take_number(tenant, year)
    if number is None:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(tenant=tenant, year=year)
        except IntegrityError:
            pass  # created concurrently: take the next number from the winner's row
        number = _take_number(tenant, year)
    assert number is not None  # the row exists now
    return ids.reference(tenant.reference_prefix, year, number)


def take_reference(tenant: Tenant) -> str:
    """A reference number taken in a short transaction of its own, for a submission about to run
    outside any request-wide transaction (the API's create-and-submit): concurrent submissions then
    queue on the tenant's counter only for that short transaction, not for their whole one. A
    submission that fails after taking its number (or a replayed request) leaves a gap.

    Outside a transaction the increment is one autocommitted statement: no BEGIN and COMMIT round
    trips on the hot path of every API submission. Inside a caller's transaction it is part of it."""
    year = common.local_date(tenant).year
    if connection.get_autocommit():
        return allocate_reference(tenant, year)
    with transaction.atomic():
        return allocate_reference(tenant, year)
