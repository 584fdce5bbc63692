"""Posting: ``create_transfers`` (a batch, one result each), ``post`` (all or an error) and
``expire_pending``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction

from smartgov.billing.models import LedgerTransfer
from smartgov.kit import clock
from smartgov.ledger import Phase, Transfer, TransferResult, expiry_transfer
from smartgov.tenancy.models import Tenant

from .decide import decide
from .errors import LedgerRefused
from .read import lock_and_load
from .rows import to_transfer
from .single import try_single
from .streamed import post_guessing_new
from .write import write

R = TransferResult


def create_transfers(
    tenant: Tenant, transfers: Sequence[Transfer], *, system: bool = False, now: datetime | None = None
) -> list[TransferResult]:
    """Apply a batch in one transaction; one result per transfer, as ``ledger.core.Ledger`` would
    answer. Refused transfers are not stored (their ids stay free); ``exists`` is a replay.
    ``now`` (default: the platform clock) is the commit time; ``system`` allows expiries."""
    if not transfers:
        return []
    if now is not None and now.tzinfo is None:
        raise ValueError("the ledger clock must be timezone-aware")
    # No savepoint: a failure here undoes the caller's whole transaction anyway (and it saves two
    # round trips on every posting).
    with transaction.atomic(savepoint=False):
        if len(transfers) == 1:
            result = try_single(tenant, transfers[0], now or clock.now(), system)
            if result is not None:
                return [result]
        # On PostgreSQL, first guess that the batch's ids are all new (a bulk issue's are): see
        # streamed.py. A replay or any refusal sends the batch down the exact road, in the same
        # transaction, under the same lock.
        results = post_guessing_new(tenant, transfers, now, system) if connection.vendor == "postgresql" else None
        if results is None:
            head, state = lock_and_load(tenant, transfers)
            # The clock is read once the lock is held, so stamps follow the order postings commit in.
            results, last = decide(state, transfers, now or clock.now(), head.last_timestamp, system)
            if state.new or last != head.last_timestamp:
                write(tenant, head, state, last)
    return results


def post(tenant: Tenant, transfers: Sequence[Transfer]) -> list[TransferResult]:
    """``create_transfers`` for callers that need every transfer in the ledger (new or replayed):
    anything refused raises ``LedgerRefused`` and, with the caller's transaction, undoes the lot."""
    results = create_transfers(tenant, transfers)
    if not all(r.succeeded for r in results):
        raise LedgerRefused(
            "The ledger refused a posting.",
            details=[{"transfer": str(t.id), "result": r.value} for t, r in zip(transfers, results, strict=True)],
        )
    return results


def expire_pending(tenant: Tenant, now: datetime | None = None) -> list[UUID]:
    """Record the expiry of every pending transfer whose timeout has passed; return their ids."""
    now = now or clock.now()
    resolved = LedgerTransfer.objects.filter(tenant=tenant, pending_id__isnull=False).values("pending_id")
    candidates = [
        to_transfer(row)
        for row in LedgerTransfer.objects.filter(tenant=tenant, phase=Phase.PENDING.value, timeout__gt=0)
        .exclude(id__in=resolved)
        .order_by("seq")
    ]
    due = [t for t in candidates if t.expires_at is not None and t.expires_at <= now]
    if not due:
        return []
    results = create_transfers(tenant, [expiry_transfer(t) for t in due], system=True, now=now)
    return [t.id for t, r in zip(due, results, strict=True) if r is R.OK]


def transfer_id(*parts: object) -> UUID:
    """A deterministic transfer id for a business event, so posting it twice is a replay."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "smartgov:billing:" + ":".join(str(p) for p in parts))
