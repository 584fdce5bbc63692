"""Decide a batch in memory, transfer by transfer, with the pure core's rules; linked chains
succeed or fail as one. Nothing here touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from smartgov.ledger import (
    MAX_AMOUNT,
    Balance,
    Transfer,
    TransferResult,
    apply_pair,
    chains,
    resolve,
    validate_transfer,
)

from .errors import BalanceOverflow
from .state import State

R = TransferResult
TICK = timedelta(microseconds=1)


def decide(
    state: State, transfers: Sequence[Transfer], now: datetime, last: datetime | None, system: bool
) -> tuple[list[TransferResult], datetime | None]:
    """One result per transfer, and the last timestamp handed out. ``state`` ends up holding the
    admitted transfers (``new``) and the balances they leave."""
    results: list[TransferResult] = []
    for chain in chains(transfers):
        chain_results, last = _chain(state, chain, now, last, system)
        results += chain_results
    return results, last


def _chain(
    state: State, chain: Sequence[Transfer], now: datetime, last: datetime | None, system: bool
) -> tuple[list[TransferResult], datetime | None]:
    if chain[-1].linked:
        return [R.LINKED_EVENT_FAILED] * (len(chain) - 1) + [R.LINKED_EVENT_CHAIN_OPEN], last
    if len(chain) == 1:
        result, last = _one(state, chain[0], now, last, system)
        return [result], last
    state.undo = []
    try:
        results: list[TransferResult] = []
        for index, t in enumerate(chain):
            result, last = _one(state, t, now, last, system)
            if not result.succeeded:
                state.rollback()
                failed = [R.LINKED_EVENT_FAILED] * len(chain)
                failed[index] = result
                # The clock does not go back: the chain's stamps stay used, as in ledger.core.
                return failed, last
            results.append(result)
        return results, last
    finally:
        state.undo = None


def _one(
    state: State, t: Transfer, now: datetime, last: datetime | None, system: bool
) -> tuple[TransferResult, datetime | None]:
    stamp = now if last is None or now > last else last + TICK
    existing = state.transfers.get(t.id) if isinstance(t.id, UUID) else None
    pending = resolution = None
    if isinstance(t.pending_id, UUID):
        pending = state.transfers.get(t.pending_id)
        resolution = state.resolutions.get(t.pending_id)
    error = validate_transfer(
        t,
        existing,
        state.accounts,
        balances=state.balances,
        pending=pending,
        resolution=resolution,
        now=stamp,
        system=system,
    )
    if error is not None:
        return error, last
    stored = _stamped(resolve(t, pending), stamp)
    debit, credit = apply_pair(state.balances, stored, pending)
    _check_overflow(stored.debit_account_id, debit)
    _check_overflow(stored.credit_account_id, credit)
    state.set(state.balances, stored.debit_account_id, debit)
    state.set(state.balances, stored.credit_account_id, credit)
    state.set(state.transfers, stored.id, stored)
    state.set(state.new, stored.id, stored)
    if stored.pending_id is not None:
        state.set(state.resolutions, stored.pending_id, stored)
    return R.OK, stamp


def _check_overflow(account_id: object, balance: Balance) -> None:
    if max(balance.debits_posted, balance.credits_posted, balance.debits_pending, balance.credits_pending) > (
        MAX_AMOUNT
    ):
        raise BalanceOverflow(f"account {account_id} would overflow")


def _stamped(t: Transfer, stamp: datetime) -> Transfer:
    """``dataclasses.replace(t, timestamp=stamp)`` without re-running ``__init__``: every field of
    ``t`` is already a validated value and its ``refs`` already a read-only copy."""
    stored = object.__new__(Transfer)
    stored.__dict__.update(t.__dict__)
    stored.__dict__["timestamp"] = stamp
    return stored
