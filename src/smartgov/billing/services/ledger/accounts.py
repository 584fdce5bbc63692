"""Ledger accounts: created on first use, immutable after, and remembered per process.

The memory (``known``) only lets the one-statement posting path decide before it reads anything;
that statement checks every remembered fact it relied on against the row, under the ledger lock,
and writes nothing when one no longer holds. So a stale or wrong entry costs the general path's
extra round trip, never a wrong posting, and nothing has to invalidate it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction

from smartgov.billing.chart import AccountSpec
from smartgov.billing.models import LedgerAccount
from smartgov.kit import clock
from smartgov.kit.errors import Conflict
from smartgov.kit.memo import TtlCache
from smartgov.ledger import Account, Side
from smartgov.tenancy.models import Tenant

from .rows import to_account

# (tenant id, account id) -> the account. Accounts never change, so the time limit only bounds memory.
_known: TtlCache[tuple[UUID, UUID], Account] = TtlCache(seconds=3600, maxsize=50_000)


def remember(tenant_id: UUID, accounts: Iterable[Account]) -> None:
    for account in accounts:
        _known.put((tenant_id, account.id), account)


def known(tenant_id: UUID, account_id: object) -> Account | None:
    return _known.get((tenant_id, account_id)) if isinstance(account_id, UUID) else None


def ensure_accounts(tenant: Tenant, specs: Iterable[AccountSpec]) -> dict[str, LedgerAccount]:
    """The accounts named by ``specs``, created when missing (concurrent creators both succeed).
    An existing account with other flags is refused: accounts are immutable like transfers."""
    specs = list(specs)
    wanted = {(s.ledger, s.code, s.currency): s for s in specs}
    with transaction.atomic():
        found = _accounts_by_key(tenant, wanted)
        missing = [s for key, s in wanted.items() if key not in found]
        if missing:
            now = clock.now()
            LedgerAccount.objects.bulk_create(
                [
                    LedgerAccount(
                        tenant=tenant,
                        code=s.code,
                        ledger=s.ledger,
                        currency=s.currency,
                        normal=s.normal.value,
                        debits_must_not_exceed_credits=s.debits_must_not_exceed_credits,
                        credits_must_not_exceed_debits=s.credits_must_not_exceed_debits,
                        created_at=now,
                    )
                    for s in missing
                ],
                ignore_conflicts=True,
            )
            found = _accounts_by_key(tenant, wanted)
    for key, spec in wanted.items():
        row = found[key]
        if (Side(row.normal), row.debits_must_not_exceed_credits, row.credits_must_not_exceed_debits) != (
            spec.normal,
            spec.debits_must_not_exceed_credits,
            spec.credits_must_not_exceed_debits,
        ):
            raise Conflict(f"ledger account {spec.code} exists with other flags", code="account_exists_differently")
    remember(tenant.pk, (to_account(row) for row in found.values()))
    return {key[1]: found[key] for key in wanted}


def _accounts_by_key(tenant: Tenant, wanted: dict[tuple[str, str, str], Any]) -> dict[tuple[str, str, str], Any]:
    codes = {key[1] for key in wanted}
    rows = LedgerAccount.objects.filter(tenant=tenant, code__in=codes)
    return {(r.ledger, r.code, r.currency): r for r in rows if (r.ledger, r.code, r.currency) in wanted}
