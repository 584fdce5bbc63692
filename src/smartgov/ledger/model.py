"""The ledger's value types: accounts, transfers, balances.

Everything here is immutable. A balance is never stored by hand: it is what you get by folding the
transfers that touch an account (see ``rules.apply``), so the types carry no setters.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from uuid import UUID

# Amounts are stored by the database-backed ledger in a PostgreSQL ``bigint`` column, so one transfer
# may not exceed what a signed 64-bit integer holds. Balances are sums and get ``numeric`` there.
MAX_AMOUNT = 2**63 - 1

# TigerBeetle's timeout is a u32 of seconds; the bound also keeps ``timestamp + timeout`` in range.
MAX_TIMEOUT = 2**32 - 1

# Expiry is recorded as a transfer so that balances stay a pure fold over the transfer log. Its id is
# derived from the pending transfer's id, so two workers expiring the same transfer collide on the
# primary key instead of voiding it twice.
EXPIRY_NAMESPACE = uuid.UUID("6f1d2b0e-4c5a-5e8b-9a57-3c1f0d7e2a11")

_ISO_CURRENCY = re.compile(r"[A-Z]{3}")


def is_currency(value: object) -> bool:
    """True for a string shaped like an ISO 4217 alphabetic code (``CNY``)."""
    return isinstance(value, str) and _ISO_CURRENCY.fullmatch(value) is not None


class Side(enum.StrEnum):
    """The side on which an account's balance normally grows (assets and expenses: debit)."""

    DEBIT = "debit"
    CREDIT = "credit"


class Phase(enum.StrEnum):
    """What a transfer does. One field instead of TigerBeetle's flag bits: the phases exclude each
    other, and an enum cannot express two of them at once."""

    SINGLE = "single"  # posts at once
    PENDING = "pending"  # reserves; resolved later by exactly one post, void or expiry
    POST_PENDING = "post_pending"  # posts all or part of a pending transfer, releases the rest
    VOID_PENDING = "void_pending"  # releases a pending transfer
    EXPIRE_PENDING = "expire_pending"  # written by the ledger only, when a pending transfer times out

    @property
    def resolves_pending(self) -> bool:
        return self in _RESOLVING


_RESOLVING = frozenset({Phase.POST_PENDING, Phase.VOID_PENDING, Phase.EXPIRE_PENDING})


class PendingState(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Account:
    """An account. ``code`` names it for people ("receivable:water"); (ledger, code, currency) is
    unique. The two flags are TigerBeetle's balance constraints: pending amounts count against
    the limit (a reservation must be coverable), and only posted amounts count as cover."""

    id: UUID
    code: str
    ledger: str
    currency: str
    normal: Side
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False

    def debit_limit_exceeded(self, balance: Balance) -> bool:
        return self.debits_must_not_exceed_credits and (
            balance.debits_pending + balance.debits_posted > balance.credits_posted
        )

    def credit_limit_exceeded(self, balance: Balance) -> bool:
        return self.credits_must_not_exceed_debits and (
            balance.credits_pending + balance.credits_posted > balance.debits_posted
        )


def _frozen_refs(refs: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(refs or {}))


@dataclass(frozen=True)
class Transfer:
    """An immutable movement of ``amount`` minor units from ``debit_account_id`` to
    ``credit_account_id``.

    ``id`` is the idempotency key. For single and pending transfers every account, amount, ledger,
    currency and code field is required. A post or void may leave them ``None``: they are then taken
    from the pending transfer (an omitted post amount posts the whole pending amount). The ledger
    stores the *resolved* transfer, with every field filled in and ``timestamp`` set, so a stored
    transfer reads on its own.

    ``refs`` carries business references (``{"bill": ..., "payment": ...}``) used by invariant
    checks; a post or void with no refs inherits the pending transfer's.
    """

    id: UUID
    debit_account_id: UUID | None = None
    credit_account_id: UUID | None = None
    amount: int | None = None
    ledger: str | None = None
    currency: str | None = None
    code: str | None = None
    phase: Phase = Phase.SINGLE
    pending_id: UUID | None = None
    timeout: int = 0  # seconds after the pending transfer's timestamp; 0 = never expires
    linked: bool = False  # this transfer and the next one in the batch succeed or fail together
    refs: Mapping[str, str] = field(default_factory=_frozen_refs)
    timestamp: datetime | None = None  # set by the ledger when it commits; must be None on input

    def __post_init__(self) -> None:
        # A read-only copy, so nobody can change a committed transfer's references through the
        # dict they passed in. Non-mappings are left as they are for validation to reject.
        if isinstance(self.refs, Mapping):
            object.__setattr__(self, "refs", _frozen_refs(self.refs))

    # The read-only mapping is not hashable; the id identifies a transfer anyway.
    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def expires_at(self) -> datetime | None:
        """When a committed pending transfer times out, or None if it never does."""
        if self.phase is not Phase.PENDING or not self.timeout or self.timestamp is None:
            return None
        return self.timestamp + timedelta(seconds=self.timeout)


# The fields a replay must repeat exactly; a difference in any of them is an
# ``exists_with_different_<field>`` error. ``timestamp`` is the ledger's, not the client's.
COMPARED_FIELDS: tuple[str, ...] = (
    "phase",
    "linked",
    "debit_account_id",
    "credit_account_id",
    "amount",
    "pending_id",
    "timeout",
    "ledger",
    "currency",
    "code",
    "refs",
)


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's four running totals, in minor units. Net figures are derived on demand."""

    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    def __add__(self, other: Balance) -> Balance:
        return Balance(
            self.debits_pending + other.debits_pending,
            self.debits_posted + other.debits_posted,
            self.credits_pending + other.credits_pending,
            self.credits_posted + other.credits_posted,
        )

    def posted(self, normal: Side) -> int:
        """Posted balance on the account's normal side (what a statement shows)."""
        net = self.debits_posted - self.credits_posted
        return net if normal is Side.DEBIT else -net

    def available(self, normal: Side) -> int:
        """Posted balance less what pending transfers would take away from the normal side."""
        if normal is Side.DEBIT:
            return self.debits_posted - self.credits_posted - self.credits_pending
        return self.credits_posted - self.debits_posted - self.debits_pending


ZERO = Balance()


def expiry_id(pending_id: UUID) -> UUID:
    """The id of the transfer that records ``pending_id``'s expiry."""
    return uuid.uuid5(EXPIRY_NAMESPACE, str(pending_id))
