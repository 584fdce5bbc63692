"""The in-memory reference ledger.

It is the executable specification of the database-backed ledger: same rules (``rules.py``), same
results, same batch and chain semantics. Property tests run against it; the billing app's tests can
run the same scenarios against both and compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any
from uuid import UUID

from .invariants import PostingRule, check_invariants
from .model import ZERO, Account, Balance, PendingState, Phase, Transfer
from .results import AccountResult, Problem, TransferResult
from .rules import apply, chains, expiry_transfer, pending_state, resolve, validate_account, validate_transfer

R = TransferResult
_MISSING: Any = object()
_TICK = timedelta(microseconds=1)


def _system_clock() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """A ledger held in memory.

    ``clock`` must return timezone-aware UTC datetimes; the billing app passes the platform clock so
    tests can move time. Commit timestamps are made strictly increasing (a clock that stands still
    or steps back gets a microsecond added), so they order the log like a sequence would.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or _system_clock
        self._accounts: dict[UUID, Account] = {}
        self._codes: dict[tuple[str, str, str], UUID] = {}
        self._balances: dict[UUID, Balance] = {}
        self._transfers: dict[UUID, Transfer] = {}  # insertion order is commit order
        self._resolutions: dict[UUID, Transfer] = {}  # pending id -> the post/void/expiry
        self._open: dict[UUID, Transfer] = {}  # pending transfers not yet resolved
        self._last: datetime | None = None
        # While a linked chain runs, every write is logged here so a failure can undo the chain.
        self._undo: list[tuple[dict[Any, Any], Any, Any]] | None = None

    # -- reads -------------------------------------------------------------------------------

    @property
    def accounts(self) -> Mapping[UUID, Account]:
        return MappingProxyType(self._accounts)

    @property
    def balances(self) -> Mapping[UUID, Balance]:
        return MappingProxyType(self._balances)

    @property
    def transfers(self) -> tuple[Transfer, ...]:
        """Every stored transfer, in commit order."""
        return tuple(self._transfers.values())

    def account(self, account_id: UUID) -> Account | None:
        return self._accounts.get(account_id)

    def account_by_code(self, ledger: str, code: str, currency: str) -> Account | None:
        account_id = self._codes.get((ledger, code, currency))
        return None if account_id is None else self._accounts[account_id]

    def balance(self, account_id: UUID) -> Balance:
        return self._balances.get(account_id, ZERO)

    def transfer(self, transfer_id: UUID) -> Transfer | None:
        return self._transfers.get(transfer_id)

    def pending_state(self, pending_id: UUID) -> PendingState | None:
        """None unless ``pending_id`` is a stored pending transfer."""
        pending = self._transfers.get(pending_id)
        if pending is None or pending.phase is not Phase.PENDING:
            return None
        return pending_state(self._resolutions.get(pending_id))

    def check(self, rules: Iterable[PostingRule] = ()) -> list[Problem]:
        return check_invariants(
            self._accounts, self._transfers.values(), balances=self._balances, rules=rules
        )

    # -- writes ------------------------------------------------------------------------------

    def create_accounts(self, accounts: Iterable[Account]) -> list[AccountResult]:
        results = []
        for account in accounts:
            key = (account.ledger, account.code, account.currency)
            error = validate_account(
                account, self._accounts.get(account.id), code_taken_by=self._codes.get(key)
            )
            if error is None:
                self._accounts[account.id] = account
                self._codes[key] = account.id
            results.append(error or AccountResult.OK)
        return results

    def create_transfer(self, transfer: Transfer) -> TransferResult:
        """A batch of one (so a lone ``linked`` transfer is an open chain)."""
        return self.create_transfers([transfer])[0]

    def create_transfers(self, transfers: Sequence[Transfer]) -> list[TransferResult]:
        """Apply a batch in order; one result per transfer, in the same order.

        A run of transfers with ``linked=True`` plus the first one after it form a chain that
        succeeds or fails as one. When a member fails, everything the chain did is undone, the
        member gets its own error and every other member ``linked_event_failed``. ``exists``
        counts as success: replaying a whole chain answers ``exists`` for each member. A chain
        still open at the end of the batch fails: its last member gets ``linked_event_chain_open``.
        A refused transfer is not stored, so its id stays free for a corrected retry.
        """
        results: list[TransferResult] = []
        for chain in chains(transfers):
            results += self._create_chain(chain)
        return results

    def expire(self, now: datetime | None = None) -> list[Transfer]:
        """Void every pending transfer whose timeout has passed at ``now``; return the expiries."""
        now = self._check_time(now if now is not None else self._clock())
        done: list[Transfer] = []
        for pending in list(self._open.values()):
            deadline = pending.expires_at
            if deadline is None or deadline > now:
                continue
            t = expiry_transfer(pending)
            stamp = self._stamp(now)
            error = validate_transfer(t, self._transfers.get(t.id), **self._context(t, stamp), system=True)
            if error is None:
                done.append(self._commit(t, stamp))
        return done

    # -- internals ---------------------------------------------------------------------------

    def _create_chain(self, chain: Sequence[Transfer]) -> list[TransferResult]:
        if chain[-1].linked:
            # The batch ended inside a chain: nobody said where it stops, so none of it happens.
            return [R.LINKED_EVENT_FAILED] * (len(chain) - 1) + [R.LINKED_EVENT_CHAIN_OPEN]
        if len(chain) == 1:
            return [self._create_one(chain[0])]
        self._undo = []
        try:
            results: list[TransferResult] = []
            for index, t in enumerate(chain):
                result = self._create_one(t)
                if not result.succeeded:
                    self._rollback()
                    failed = [R.LINKED_EVENT_FAILED] * len(chain)
                    failed[index] = result
                    return failed
                results.append(result)
            return results
        finally:
            self._undo = None

    def _create_one(self, t: Transfer) -> TransferResult:
        stamp = self._stamp(self._check_time(self._clock()))
        # A malformed id (even an unhashable one) is refused by validation, not by a dict lookup.
        existing = self._transfers.get(t.id) if isinstance(t.id, UUID) else None
        error = validate_transfer(t, existing, **self._context(t, stamp))
        if error is not None:
            return error
        self._commit(t, stamp)
        return R.OK

    def _context(self, t: Transfer, now: datetime) -> dict[str, Any]:
        pending = None
        resolution = None
        if isinstance(t.pending_id, UUID):
            pending = self._transfers.get(t.pending_id)
            resolution = self._resolutions.get(t.pending_id)
        return {
            "accounts": self._accounts,
            "balances": self._balances,
            "pending": pending,
            "resolution": resolution,
            "now": now,
        }

    def _commit(self, t: Transfer, stamp: datetime) -> Transfer:
        pending = self._transfers.get(t.pending_id) if t.pending_id is not None else None
        stored = replace(resolve(t, pending), timestamp=stamp)
        for account_id, balance in apply(self._balances, stored, pending).items():
            self._set(self._balances, account_id, balance)
        self._set(self._transfers, stored.id, stored)
        if stored.phase is Phase.PENDING:
            self._set(self._open, stored.id, stored)
        elif stored.pending_id is not None:
            self._set(self._resolutions, stored.pending_id, stored)
            self._set(self._open, stored.pending_id, _MISSING)
        self._last = stamp
        return stored

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if self._undo is not None:
            self._undo.append((table, key, table.get(key, _MISSING)))
        if value is _MISSING:
            table.pop(key, None)
        else:
            table[key] = value

    def _rollback(self) -> None:
        assert self._undo is not None
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        self._undo = []

    def _stamp(self, now: datetime) -> datetime:
        return now if self._last is None or now > self._last else self._last + _TICK

    @staticmethod
    def _check_time(now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the ledger clock must return timezone-aware datetimes")
        return now
