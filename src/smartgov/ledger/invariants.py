"""Invariant checks over a whole ledger: what ``smartgov ledger verify`` runs.

The transfer log is replayed from nothing through the same rules that admitted each transfer, so
a row written around the rules (a hand-edited amount, a second post of one pending transfer, a
transfer across currencies) shows up as a problem, as does a stored balance that is not the sum of
the account's transfers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from .model import ZERO, Account, Balance, Phase, Transfer
from .results import Problem, ProblemCode
from .rules import apply, resolve, validate_transfer

P = ProblemCode


@dataclass(frozen=True)
class PostingRule:
    """Exactly one posting per business key, e.g. every (bill, payment) pair is booked once.

    A posting is a single-phase transfer or a post of a pending transfer whose ``code`` is
    ``code``; its key is the values of ``keys`` in its ``refs``. More than one posting per key is
    always a problem. If ``expected`` is given (the billing app passes the keys of the payments it
    holds as succeeded), each expected key must have a posting and no other key may.
    """

    code: str
    keys: tuple[str, ...]
    expected: frozenset[tuple[str, ...]] | None = None


def balances_from(transfers: Iterable[Transfer]) -> dict[UUID, Balance]:
    """Every account's balance as the fold of its (stored, resolved) transfers, in order."""
    seen: dict[UUID, Transfer] = {}
    out: dict[UUID, Balance] = {}
    for t in transfers:
        pending = seen.get(t.pending_id) if t.pending_id is not None else None
        out.update(apply(out, t, pending))
        seen[t.id] = t
    return out


def check_invariants(
    accounts: Mapping[UUID, Account],
    transfers: Iterable[Transfer],
    *,
    balances: Mapping[UUID, Balance] | None = None,
    rules: Iterable[PostingRule] = (),
) -> list[Problem]:
    """Everything wrong with a ledger; an empty list means it is sound.

    ``transfers`` are the stored transfers in commit order; ``balances``, if given, the stored
    balances to hold against the fold of the transfers.
    """
    problems: list[Problem] = []
    seen: set[UUID] = set()
    admitted_by_id: dict[UUID, Transfer] = {}  # only transfers that passed may be posted or voided
    resolutions: dict[UUID, Transfer] = {}
    running: dict[UUID, Balance] = {}
    admitted: list[Transfer] = []
    last: datetime | None = None

    for t in transfers:
        sid = str(t.id)
        if t.id in seen:
            problems.append(Problem(P.DUPLICATE_TRANSFER_ID, f"transfer {sid} is stored twice", sid))
            continue
        seen.add(t.id)
        if t.timestamp is None:
            problems.append(Problem(P.MISSING_TIMESTAMP, f"transfer {sid} has no timestamp", sid))
            continue
        if last is not None and t.timestamp <= last:
            problems.append(
                Problem(P.TIMESTAMP_NOT_INCREASING, f"transfer {sid} is not later than the one before", sid)
            )
        last = max(last, t.timestamp) if last is not None else t.timestamp
        pending = admitted_by_id.get(t.pending_id) if t.pending_id is not None else None
        error = validate_transfer(
            replace(t, timestamp=None),
            None,
            accounts,
            balances=running,
            pending=pending,
            resolution=resolutions.get(t.pending_id) if t.pending_id is not None else None,
            now=t.timestamp,
            system=True,
        )
        if error is not None:
            problems.append(
                Problem(P.INVALID_TRANSFER, f"transfer {sid} would be refused now: {error.value}", sid)
            )
            continue
        if resolve(t, pending) != t:
            problems.append(
                Problem(P.UNRESOLVED_TRANSFER, f"transfer {sid} is stored without all its fields", sid)
            )
            continue
        running.update(apply(running, t, pending))
        admitted.append(t)
        admitted_by_id[t.id] = t
        if t.pending_id is not None:
            resolutions[t.pending_id] = t

    problems += _check_totals(accounts, running, "transfers")
    if balances is not None:
        problems += _check_stored(accounts, balances, running)
    for rule in rules:
        problems += _check_rule(rule, admitted)
    return problems


def _check_totals(
    accounts: Mapping[UUID, Account], balances: Mapping[UUID, Balance], what: str
) -> list[Problem]:
    problems: list[Problem] = []
    totals: dict[str, Balance] = defaultdict(Balance)
    for account_id, balance in balances.items():
        account = accounts.get(account_id)
        if account is None:
            problems.append(
                Problem(
                    P.UNKNOWN_ACCOUNT,
                    f"{what} name account {account_id}, which does not exist",
                    str(account_id),
                )
            )
            continue
        totals[account.currency] += balance
    overall = sum(totals.values(), ZERO)
    for label, total, code in [("overall", overall, P.DEBITS_NOT_EQUAL_CREDITS)] + [
        (currency, total, P.CURRENCY_DEBITS_NOT_EQUAL_CREDITS) for currency, total in sorted(totals.items())
    ]:
        for kind, debits, credits in (
            ("posted", total.debits_posted, total.credits_posted),
            ("pending", total.debits_pending, total.credits_pending),
        ):
            if debits != credits:
                problems.append(
                    Problem(
                        code, f"{what}, {label}: {kind} debits {debits} != {kind} credits {credits}", label
                    )
                )
    return problems


def _check_stored(
    accounts: Mapping[UUID, Account], stored: Mapping[UUID, Balance], derived: Mapping[UUID, Balance]
) -> list[Problem]:
    problems = _check_totals(accounts, stored, "stored balances")
    for account_id, account in accounts.items():
        have, want = stored.get(account_id, ZERO), derived.get(account_id, ZERO)
        sid = str(account_id)
        if have != want:
            problems.append(
                Problem(
                    P.BALANCE_MISMATCH,
                    f"account {account.code} ({sid}) stores {have} but its transfers sum to {want}",
                    sid,
                )
            )
        if account.debit_limit_exceeded(have) or account.credit_limit_exceeded(have):
            problems.append(
                Problem(
                    P.LIMIT_VIOLATED, f"account {account.code} ({sid}) breaks its balance constraint", sid
                )
            )
    return problems


def _check_rule(rule: PostingRule, transfers: Iterable[Transfer]) -> list[Problem]:
    problems: list[Problem] = []
    counts: Counter[tuple[str, ...]] = Counter()
    for t in transfers:
        if t.code != rule.code or t.phase not in (Phase.SINGLE, Phase.POST_PENDING):
            continue
        values = [t.refs.get(k) for k in rule.keys]
        if any(v is None for v in values):
            problems.append(
                Problem(
                    P.POSTING_MISSING_REFERENCE,
                    f"{rule.code} posting {t.id} lacks reference(s) {', '.join(rule.keys)}",
                    str(t.id),
                )
            )
            continue
        counts[tuple(v for v in values if v is not None)] += 1
    for key, n in sorted(counts.items()):
        if n > 1:
            problems.append(
                Problem(P.DUPLICATE_POSTING, f"{rule.code} {_show(rule, key)} is posted {n} times", _key(key))
            )
    if rule.expected is not None:
        for key in sorted(rule.expected - counts.keys()):
            problems.append(
                Problem(P.MISSING_POSTING, f"{rule.code} {_show(rule, key)} has no posting", _key(key))
            )
        for key in sorted(counts.keys() - rule.expected):
            problems.append(
                Problem(
                    P.UNEXPECTED_POSTING,
                    f"{rule.code} {_show(rule, key)} is posted but not expected",
                    _key(key),
                )
            )
    return problems


def _show(rule: PostingRule, key: tuple[str, ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(rule.keys, key, strict=True))


def _key(key: tuple[str, ...]) -> str:
    return "/".join(key)
