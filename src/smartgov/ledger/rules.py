"""The pure rules of the ledger: validation, resolution of two-phase transfers, and balance updates.

These functions hold no state, so the in-memory ``Ledger`` and the database-backed ledger of the
billing app share them and cannot disagree. The caller supplies what it has read (the existing
transfer with the same id, the pending transfer, the transfer that already resolved it, the current
balances) and, if the answer is "go", writes ``resolve(...)`` and the balances from ``apply(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from uuid import UUID

from .model import (
    COMPARED_FIELDS,
    MAX_AMOUNT,
    MAX_TIMEOUT,
    ZERO,
    Account,
    Balance,
    PendingState,
    Phase,
    Side,
    Transfer,
    expiry_id,
    is_currency,
)
from .results import AccountResult, TransferResult

R = TransferResult

_DIFFERENT: dict[str, TransferResult] = {
    name: TransferResult(f"exists_with_different_{name}") for name in COMPARED_FIELDS
}


def _is_int(value: object) -> bool:
    # bool is an int subclass, and True fen is a bug, not a payment. (The exact-type test first:
    # this runs several times per transfer and nearly every value is a plain int.)
    return type(value) is int or (isinstance(value, int) and not isinstance(value, bool))


def _check_amount(amount: object) -> TransferResult | None:
    if not _is_int(amount):
        return R.AMOUNT_MUST_BE_AN_INTEGER  # float, Decimal, str: money is whole minor units
    assert isinstance(amount, int)
    if amount <= 0:
        return R.AMOUNT_MUST_BE_POSITIVE
    if amount > MAX_AMOUNT:
        return R.AMOUNT_EXCEEDS_MAXIMUM
    return None


def _account(accounts: Mapping[UUID, Account], account_id: object) -> Account | None:
    # An id of the wrong type is simply not found (and may not even be hashable).
    return accounts.get(account_id) if isinstance(account_id, UUID) else None


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and value != ""


# -- accounts ----------------------------------------------------------------------------------


def validate_account(
    new: Account, existing: Account | None, *, code_taken_by: UUID | None = None
) -> AccountResult | None:
    """None if ``new`` may be created; ``EXISTS`` for an exact replay; otherwise the error.

    ``existing`` is the account already stored under ``new.id``; ``code_taken_by`` the id of the
    account already holding ``(new.ledger, new.code, new.currency)``, if any.
    """
    A = AccountResult
    if not isinstance(new.id, UUID):
        return A.ID_MUST_BE_UUID
    if new.id.int == 0:
        return A.ID_MUST_NOT_BE_NIL
    if not _nonempty_str(new.code):
        return A.CODE_MUST_NOT_BE_EMPTY
    if not _nonempty_str(new.ledger):
        return A.LEDGER_MUST_NOT_BE_EMPTY
    if not is_currency(new.currency):
        return A.INVALID_CURRENCY
    if not isinstance(new.normal, Side):
        return A.INVALID_NORMAL_SIDE
    if new.debits_must_not_exceed_credits and new.credits_must_not_exceed_debits:
        # Both at once would forbid every first transfer; TigerBeetle refuses it too.
        return A.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if existing is not None:
        for name, code in (
            ("code", A.EXISTS_WITH_DIFFERENT_CODE),
            ("ledger", A.EXISTS_WITH_DIFFERENT_LEDGER),
            ("currency", A.EXISTS_WITH_DIFFERENT_CURRENCY),
            ("normal", A.EXISTS_WITH_DIFFERENT_NORMAL),
            ("debits_must_not_exceed_credits", A.EXISTS_WITH_DIFFERENT_FLAGS),
            ("credits_must_not_exceed_debits", A.EXISTS_WITH_DIFFERENT_FLAGS),
        ):
            if getattr(new, name) != getattr(existing, name):
                return code
        return A.EXISTS
    if code_taken_by is not None and code_taken_by != new.id:
        return A.CODE_ALREADY_EXISTS
    return None


# -- transfers ---------------------------------------------------------------------------------


def check_fields(t: Transfer, *, system: bool = False) -> TransferResult | None:
    """Checks that need nothing but the transfer itself (and that a replay must also pass)."""
    if not isinstance(t.id, UUID):
        return R.ID_MUST_BE_UUID
    if t.id.int == 0:
        return R.ID_MUST_NOT_BE_NIL
    if not isinstance(t.phase, Phase):
        return R.INVALID_PHASE
    if t.phase is Phase.EXPIRE_PENDING and not system:
        return R.EXPIRE_RESERVED_FOR_LEDGER
    # (the exact-type test first: a ``Transfer`` holds a MappingProxyType, and the ABC check is slow;
    # a plain loop, not all() over a generator: this runs for every transfer of every batch)
    if not (type(t.refs) is MappingProxyType or isinstance(t.refs, Mapping)):
        return R.INVALID_REFS
    for k, v in t.refs.items():
        if not (isinstance(k, str) and k and isinstance(v, str)):
            return R.INVALID_REFS
    if not _is_int(t.timeout) or not 0 <= t.timeout <= MAX_TIMEOUT:
        return R.INVALID_TIMEOUT
    if t.timeout and t.phase is not Phase.PENDING:
        return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER

    if not t.phase.resolves_pending:
        if t.pending_id is not None:
            return R.PENDING_ID_MUST_BE_NONE
        if t.debit_account_id is None:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_NONE
        if t.credit_account_id is None:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_NONE
        if t.debit_account_id == t.credit_account_id:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        if t.amount is None:
            return R.AMOUNT_MUST_NOT_BE_NONE
        if (error := _check_amount(t.amount)) is not None:
            return error
        if not _nonempty_str(t.ledger):
            return R.LEDGER_MUST_NOT_BE_EMPTY
        if not is_currency(t.currency):
            return R.INVALID_CURRENCY
        if not _nonempty_str(t.code):
            return R.CODE_MUST_NOT_BE_EMPTY
        return None

    # post, void, expire: anything given must be well-formed; it is matched to the pending later.
    if t.pending_id is None:
        return R.PENDING_ID_MUST_NOT_BE_NONE
    if t.pending_id == t.id:
        return R.PENDING_ID_MUST_BE_DIFFERENT
    if t.debit_account_id is not None and t.debit_account_id == t.credit_account_id:
        return R.ACCOUNTS_MUST_BE_DIFFERENT
    if t.amount is not None and (error := _check_amount(t.amount)) is not None:
        return error
    if t.ledger is not None and not _nonempty_str(t.ledger):
        return R.LEDGER_MUST_NOT_BE_EMPTY
    if t.currency is not None and not is_currency(t.currency):
        return R.INVALID_CURRENCY
    if t.code is not None and not _nonempty_str(t.code):
        return R.CODE_MUST_NOT_BE_EMPTY
    return None


def resolve(t: Transfer, pending: Transfer | None) -> Transfer:
    """The transfer as the ledger stores it: a post, void or expiry gets the pending transfer's
    accounts, ledger, currency and code, and its amount (a post keeps a smaller amount it names).
    Single and pending transfers are returned unchanged."""
    if not t.phase.resolves_pending:
        return t
    if pending is None:
        raise ValueError("resolving a post/void/expiry needs its pending transfer")
    amount = t.amount if t.phase is Phase.POST_PENDING and t.amount is not None else pending.amount
    return replace(
        t,
        debit_account_id=pending.debit_account_id,
        credit_account_id=pending.credit_account_id,
        amount=amount,
        ledger=pending.ledger,
        currency=pending.currency,
        code=pending.code,
        refs=t.refs or pending.refs,
    )


def compare_existing(new: Transfer, existing: Transfer, pending: Transfer | None) -> TransferResult:
    """``EXISTS`` if ``new`` repeats ``existing`` field for field, else the first field that differs.

    A post or void is resolved first, so "post the whole pending amount" replayed with or without
    naming the amount is the same request.
    """
    candidate = new
    if new.phase is existing.phase and new.phase.resolves_pending and pending is not None:
        candidate = resolve(new, pending)
    for name in COMPARED_FIELDS:
        if getattr(candidate, name) != getattr(existing, name):
            return _DIFFERENT[name]
    return R.EXISTS


def pending_state(resolution: Transfer | None) -> PendingState:
    """The state of a pending transfer, given the transfer that resolved it (None if none did)."""
    if resolution is None:
        return PendingState.PENDING
    return {
        Phase.POST_PENDING: PendingState.POSTED,
        Phase.VOID_PENDING: PendingState.VOIDED,
        Phase.EXPIRE_PENDING: PendingState.EXPIRED,
    }[resolution.phase]


def validate_transfer(
    new: Transfer,
    existing: Transfer | None,
    accounts: Mapping[UUID, Account],
    *,
    balances: Mapping[UUID, Balance] | None = None,
    pending: Transfer | None = None,
    resolution: Transfer | None = None,
    now: datetime | None = None,
    system: bool = False,
) -> TransferResult | None:
    """Decide one transfer: None means "apply it", ``EXISTS`` means "already done, change nothing",
    anything else is the reason it is refused.

    - ``existing``: the stored transfer with ``new.id``, if any (the idempotency check).
    - ``accounts``: at least the accounts the transfer (or its pending transfer) names.
    - ``balances``: their current balances; missing accounts count as zero, which is the strict
      choice for the balance constraints.
    - ``pending``: for a post/void, the stored transfer ``new.pending_id`` names, if any;
      ``resolution``: the stored transfer that already resolved it, if any. The database-backed
      ledger must still keep a unique index on ``pending_id``: this check alone cannot stop two
      concurrent posts.
    - ``now``: the commit time; needed when the pending transfer has a timeout.
    - ``system``: allow ``EXPIRE_PENDING`` (only the ledger writes expiries).
    """
    if new.timestamp is not None:
        return R.TIMESTAMP_MUST_BE_NONE
    if (error := check_fields(new, system=system)) is not None:
        return error
    if pending is not None and pending.id != new.pending_id:
        raise ValueError("`pending` is not the transfer that `new.pending_id` names")
    if existing is not None:
        return compare_existing(new, existing, pending)

    if not new.phase.resolves_pending:
        debit = _account(accounts, new.debit_account_id)
        credit = _account(accounts, new.credit_account_id)
        if debit is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        if credit is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if debit.ledger != credit.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if new.ledger != debit.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        if debit.currency != credit.currency:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_CURRENCY
        if new.currency != debit.currency:
            return R.TRANSFER_MUST_HAVE_THE_SAME_CURRENCY_AS_ACCOUNTS
        return _check_limits(new, None, debit, credit, balances)

    if pending is None:
        return R.PENDING_TRANSFER_NOT_FOUND
    if pending.phase is not Phase.PENDING:
        return R.PENDING_TRANSFER_NOT_PENDING
    for name, code in (
        ("debit_account_id", R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID),
        ("credit_account_id", R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID),
        ("ledger", R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER),
        ("currency", R.PENDING_TRANSFER_HAS_DIFFERENT_CURRENCY),
        ("code", R.PENDING_TRANSFER_HAS_DIFFERENT_CODE),
    ):
        given = getattr(new, name)
        if given is not None and given != getattr(pending, name):
            return code
    assert pending.amount is not None
    if new.amount is not None:
        if new.phase is Phase.POST_PENDING and new.amount > pending.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if new.phase is not Phase.POST_PENDING and new.amount != pending.amount:
            # A void releases the whole reservation; naming another amount is a mistake.
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
    state = pending_state(resolution)
    if state is PendingState.POSTED:
        return R.PENDING_TRANSFER_ALREADY_POSTED
    if state is PendingState.VOIDED:
        return R.PENDING_TRANSFER_ALREADY_VOIDED
    if state is PendingState.EXPIRED:
        return R.PENDING_TRANSFER_EXPIRED
    deadline = pending.expires_at
    if deadline is not None and now is None:
        raise ValueError("`now` is required to resolve a pending transfer with a timeout")
    due = deadline is not None and now is not None and now >= deadline
    if new.phase is Phase.EXPIRE_PENDING and not due:
        return R.PENDING_TRANSFER_NOT_EXPIRED
    if new.phase is not Phase.EXPIRE_PENDING and due:
        # Expired but not yet swept by expire(): it is expired all the same.
        return R.PENDING_TRANSFER_EXPIRED
    debit = _account(accounts, pending.debit_account_id)
    credit = _account(accounts, pending.credit_account_id)
    if debit is None:
        return R.DEBIT_ACCOUNT_NOT_FOUND
    if credit is None:
        return R.CREDIT_ACCOUNT_NOT_FOUND
    # Resolving only moves pending to posted or releases it, so it cannot break a limit; checked
    # anyway because it costs nothing and would catch a bug in apply().
    return _check_limits(resolve(new, pending), pending, debit, credit, balances)


def needs_balances(debit: Account, credit: Account) -> bool:
    """Whether deciding a transfer from ``debit`` to ``credit`` needs their balances: only a balance
    constraint on the side that grows can refuse it. When False, ``validate_transfer`` answers the
    same whatever ``balances`` holds."""
    return debit.debits_must_not_exceed_credits or credit.credits_must_not_exceed_debits


def _check_limits(
    t: Transfer,
    pending: Transfer | None,
    debit: Account,
    credit: Account,
    balances: Mapping[UUID, Balance] | None,
) -> TransferResult | None:
    if not needs_balances(debit, credit):
        return None  # no constraint to break: the new balances are not needed to decide
    after = apply(balances or {}, t, pending)
    if debit.debit_limit_exceeded(after[debit.id]):
        return R.EXCEEDS_CREDITS
    if credit.credit_limit_exceeded(after[credit.id]):
        return R.EXCEEDS_DEBITS
    return None


def apply(balances: Mapping[UUID, Balance], t: Transfer, pending: Transfer | None = None) -> dict[UUID, Balance]:
    """The new balances of the two accounts ``t`` touches (other accounts are unchanged).

    ``t`` must be resolved (see ``resolve``); a post, void or expiry also needs its ``pending``
    transfer, whose reservation it releases. A partial post releases the remainder, as in
    TigerBeetle.
    """
    t = resolve(t, pending)
    debit, credit = apply_pair(balances, t, pending)
    assert t.debit_account_id is not None and t.credit_account_id is not None  # (checked in apply_pair)
    return {t.debit_account_id: debit, t.credit_account_id: credit}


def apply_pair(
    balances: Mapping[UUID, Balance], t: Transfer, pending: Transfer | None = None
) -> tuple[Balance, Balance]:
    """``apply`` for a transfer already resolved: the debit and the credit account's new balance.
    (The database ledger's batch loop calls this once per transfer and skips building a dict.)"""
    if t.debit_account_id is None or t.credit_account_id is None or not _is_int(t.amount):
        raise ValueError("apply() needs a transfer with both accounts and an integer amount")
    assert t.amount is not None
    amount = t.amount
    d = balances.get(t.debit_account_id, ZERO)
    c = balances.get(t.credit_account_id, ZERO)
    # Each new balance is built once from the old one's fields (no intermediate Balance to add).
    if t.phase is Phase.SINGLE:
        dr = Balance(d.debits_pending, d.debits_posted + amount, d.credits_pending, d.credits_posted)
        cr = Balance(c.debits_pending, c.debits_posted, c.credits_pending, c.credits_posted + amount)
    elif t.phase is Phase.PENDING:
        dr = Balance(d.debits_pending + amount, d.debits_posted, d.credits_pending, d.credits_posted)
        cr = Balance(c.debits_pending, c.debits_posted, c.credits_pending + amount, c.credits_posted)
    else:
        assert pending is not None and pending.amount is not None
        posted = amount if t.phase is Phase.POST_PENDING else 0
        released = pending.amount
        dr = Balance(d.debits_pending - released, d.debits_posted + posted, d.credits_pending, d.credits_posted)
        cr = Balance(c.debits_pending, c.debits_posted, c.credits_pending - released, c.credits_posted + posted)
    return dr, cr


def chains(transfers: Sequence[Transfer]) -> Iterator[Sequence[Transfer]]:
    """The batch cut into its chains, in order: a run of ``linked`` transfers plus the first one
    after it, or a lone transfer. A chain still open at the batch's end comes last, as it is."""
    start = 0
    while start < len(transfers):
        end = start
        while end < len(transfers) - 1 and transfers[end].linked:
            end += 1
        yield transfers[start : end + 1]
        start = end + 1


def expiry_transfer(pending: Transfer) -> Transfer:
    """The (unresolved) transfer that records the expiry of ``pending``."""
    return Transfer(id=expiry_id(pending.id), phase=Phase.EXPIRE_PENDING, pending_id=pending.id)
