"""Property tests: whatever is thrown at the ledger, the books stay balanced.

The checks here do their own arithmetic (``_fold``, ``_totals``) instead of calling the library's
``apply``/``check_invariants``, so a bug shared by the ledger and its checker still fails them.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from smartgov.ledger import (
    Account,
    Balance,
    Ledger,
    PendingState,
    Phase,
    ProblemCode,
    Side,
    Transfer,
    TransferResult,
    apply,
    check_invariants,
    needs_balances,
    validate_transfer,
)

from . import FakeClock, make_account

R = TransferResult

ACCOUNTS: list[Account] = [
    make_account("receivable:water"),
    make_account("revenue:water", normal=Side.CREDIT),
    make_account("clearing:alipay"),
    make_account("refunds:payable", normal=Side.CREDIT, debits_must_not_exceed_credits=True),
    make_account("bill:B1", credits_must_not_exceed_debits=True),
    make_account("bank:usd", currency="USD"),
    make_account("clearing:usd", currency="USD", debits_must_not_exceed_credits=True),
    make_account("control:refundable", ledger="memo", normal=Side.CREDIT),
    make_account("refundable:P1", ledger="memo", debits_must_not_exceed_credits=True),
]
BY_ID = {a.id: a for a in ACCOUNTS}
UNKNOWN = uuid.UUID("00000000-0000-4000-8000-00000000dead")

amounts = st.one_of(
    st.integers(min_value=1, max_value=3_000),
    st.integers(min_value=1, max_value=3_000),
    st.integers(min_value=1, max_value=3_000),
    st.sampled_from([0, -1, -500, 1.0, 2.5, Decimal("10"), True, None, "5"]),
)
account_ids = st.sampled_from([*[a.id for a in ACCOUNTS], UNKNOWN])
refs = st.sampled_from([{}, {"bill": "B1"}, {"bill": "B1", "payment": "P1"}, {"bill": "B2", "payment": "P2"}])
codes = st.sampled_from(["bill.paid", "bill.issued", "refund"])


# Pairs of accounts a transfer may join (same ledger and currency), so most draws can succeed.
PAIRS = [
    (a.id, b.id)
    for a in ACCOUNTS
    for b in ACCOUNTS
    if a is not b and (a.ledger, a.currency) == (b.ledger, b.currency)
]
linked = st.sampled_from([False, False, False, False, True])


@st.composite
def plausible_transfer(draw: st.DrawFn, open_pendings: list[UUID]) -> Transfer:
    """A well-formed transfer; it can still be refused by balance constraints, a resolved or
    expired pending transfer, or a post beyond the pending amount."""
    phases = [Phase.SINGLE] * 4 + [Phase.PENDING] * 2
    if open_pendings:
        phases += [Phase.POST_PENDING] * 2 + [Phase.VOID_PENDING]
    phase = draw(st.sampled_from(phases))
    fields: dict[str, Any] = {
        "id": draw(st.uuids(version=4)),
        "phase": phase,
        "refs": draw(refs),
        "linked": draw(linked),
    }
    if phase.resolves_pending:
        fields["pending_id"] = draw(st.sampled_from(open_pendings))
        if phase is Phase.POST_PENDING:
            fields["amount"] = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=3_000)))
        return Transfer(**fields)
    debit, credit = draw(st.sampled_from(PAIRS))
    account = BY_ID[debit]
    return Transfer(
        debit_account_id=debit,
        credit_account_id=credit,
        amount=draw(st.integers(min_value=1, max_value=3_000)),
        ledger=account.ledger,
        currency=account.currency,
        code=draw(codes),
        timeout=draw(st.sampled_from([0, 0, 30, 120])) if phase is Phase.PENDING else 0,
        **fields,
    )


@st.composite
def wild_transfer(draw: st.DrawFn, pendings: list[UUID]) -> Transfer:
    """Anything, valid or not: unknown accounts, mismatched ledgers and currencies, bad amounts."""
    phase = draw(
        st.sampled_from([Phase.SINGLE, Phase.SINGLE, Phase.PENDING, Phase.POST_PENDING, Phase.VOID_PENDING])
    )
    fields: dict[str, Any] = {
        "id": draw(st.uuids(version=4)),
        "phase": phase,
        "refs": draw(refs),
        "linked": draw(linked),
    }
    if not phase.resolves_pending:
        debit = draw(account_ids)
        home = BY_ID.get(debit)
        fields |= {
            "debit_account_id": debit,
            "credit_account_id": draw(account_ids),
            "amount": draw(amounts),
            "ledger": draw(st.sampled_from([home.ledger if home else "main"] * 4 + ["main", "memo", ""])),
            "currency": draw(st.sampled_from([home.currency if home else "CNY"] * 4 + ["CNY", "USD", "cny"])),
            "code": draw(codes),
            "timeout": draw(st.sampled_from([0, 0, 30, 120, 7])) if phase is not Phase.SINGLE else 0,
        }
    else:
        fields |= {
            "pending_id": draw(st.sampled_from([*pendings, UNKNOWN])),
            "amount": draw(st.one_of(st.none(), amounts)),
        }
    return Transfer(**fields)


def mutate(draw: st.DrawFn, base: Transfer) -> Transfer:
    """The same id with one field changed: a client reusing an idempotency key for another request."""
    change = draw(
        st.sampled_from(
            [
                {"amount": (base.amount if isinstance(base.amount, int) else 0) + 1},
                {"code": "something.else"},
                {"refs": {"bill": "B9"}},
                {"linked": not base.linked},
                {"phase": Phase.SINGLE if base.phase is not Phase.SINGLE else Phase.PENDING},
            ]
        )
    )
    return replace(base, **change)


def _fold(transfers: tuple[Transfer, ...]) -> dict[UUID, tuple[int, int, int, int]]:
    """Balances by hand: (debits_pending, debits_posted, credits_pending, credits_posted)."""
    by_id: dict[UUID, Transfer] = {}
    out: dict[UUID, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for t in transfers:
        by_id[t.id] = t
        assert (
            t.debit_account_id is not None and t.credit_account_id is not None and isinstance(t.amount, int)
        )
        d, c = out[t.debit_account_id], out[t.credit_account_id]
        if t.phase is Phase.SINGLE:
            d[1] += t.amount
            c[3] += t.amount
        elif t.phase is Phase.PENDING:
            d[0] += t.amount
            c[2] += t.amount
        else:
            assert t.pending_id is not None
            reserved = by_id[t.pending_id].amount
            assert isinstance(reserved, int)
            d[0] -= reserved
            c[2] -= reserved
            if t.phase is Phase.POST_PENDING:
                d[1] += t.amount
                c[3] += t.amount
    return {k: (v[0], v[1], v[2], v[3]) for k, v in out.items() if any(v)}


def _as_tuples(ledger: Ledger) -> dict[UUID, tuple[int, int, int, int]]:
    return {
        k: (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted)
        for k, b in ledger.balances.items()
        if (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted) != (0, 0, 0, 0)
    }


def _chains(batch: list[Transfer]) -> list[list[int]]:
    """Indices of each chain, written from the spec rather than copied from the ledger."""
    chains: list[list[int]] = [[]]
    for i, t in enumerate(batch):
        chains[-1].append(i)
        if not t.linked:
            chains.append([])
    return [c for c in chains if c]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.ledger = Ledger(clock=self.clock)
        assert self.ledger.create_accounts(ACCOUNTS) == [R.OK] * len(ACCOUNTS)
        self.submitted: list[Transfer] = []
        self.pendings: list[UUID] = []
        self.good_batches: list[list[Transfer]] = []

    def _snapshot(self) -> tuple[object, ...]:
        return (dict(self.ledger.balances), self.ledger.transfers)

    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        batch: list[Transfer] = []
        for _ in range(data.draw(st.integers(min_value=1, max_value=6), label="size")):
            kind = data.draw(st.sampled_from(["new"] * 3 + ["replay", "mutant"] * bool(self.submitted)))
            if kind == "replay":
                batch.append(data.draw(st.sampled_from(self.submitted)))
            elif kind == "mutant":
                batch.append(mutate(data.draw, data.draw(st.sampled_from(self.submitted))))
            else:
                open_pendings = [
                    p for p in self.pendings if self.ledger.pending_state(p) is PendingState.PENDING
                ]
                batch.append(
                    data.draw(
                        st.one_of(
                            plausible_transfer(open_pendings),
                            plausible_transfer(open_pendings),
                            plausible_transfer(open_pendings),
                            wild_transfer(self.pendings),
                        )
                    )
                )
        before_balances, before = self._snapshot()
        results = self.ledger.create_transfers(batch)

        assert len(results) == len(batch)
        for r in results:
            event(r.value)  # `pytest --hypothesis-show-statistics` shows how often each outcome occurs
        assert all(isinstance(r, TransferResult) for r in results)
        after = self.ledger.transfers
        # Stored transfers are immutable: the old log is an unchanged prefix of the new one.
        assert after[: len(before)] == before  # type: ignore[index]
        # Exactly the transfers answered "ok" were added, in batch order; nothing else.
        assert [t.id for t in after[len(before) :]] == [
            t.id for t, r in zip(batch, results, strict=True) if r is R.OK
        ]  # type: ignore[arg-type]
        for t, r in zip(batch, results, strict=True):
            if r is R.EXISTS:
                assert self.ledger.transfer(t.id) is not None
            if r is R.OK and not t.phase.resolves_pending:
                stored = self.ledger.transfer(t.id)
                assert stored == replace(t, timestamp=stored.timestamp if stored else None)
        if R.OK not in results:
            assert self._snapshot() == (before_balances, before)
        # All or nothing per chain: a failed chain has one error and the rest linked_event_failed.
        for chain in _chains(batch):
            outcome = [results[i] for i in chain]
            if not all(r.succeeded for r in outcome):
                assert not any(r.succeeded for r in outcome), outcome
                assert sum(r is not R.LINKED_EVENT_FAILED for r in outcome) == 1, outcome

        self.submitted += batch
        self.pendings += [
            t.id for t, r in zip(batch, results, strict=True) if r is R.OK and t.phase is Phase.PENDING
        ]
        if all(r.succeeded for r in results):
            self.good_batches.append(batch)

    @precondition(lambda self: bool(self.good_batches))
    @rule(data=st.data())
    def replay_a_batch_that_succeeded(self, data: st.DataObject) -> None:
        batch = data.draw(st.sampled_from(self.good_batches))
        before = self._snapshot()
        self.clock.advance(1)
        assert self.ledger.create_transfers(batch) == [R.EXISTS] * len(batch)
        assert self._snapshot() == before

    @rule(seconds=st.integers(min_value=0, max_value=90))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @rule()
    def expire(self) -> None:
        before = len(self.ledger.transfers)
        expired = self.ledger.expire()
        if expired:
            event("expired")
        assert len(self.ledger.transfers) == before + len(expired)
        for e in expired:
            assert e.pending_id is not None
            pending = self.ledger.transfer(e.pending_id)
            assert pending is not None and pending.expires_at is not None
            assert pending.expires_at <= self.clock.now
            assert self.ledger.pending_state(e.pending_id) is PendingState.EXPIRED
        assert self.ledger.expire() == []

    @precondition(lambda self: bool(self.ledger.transfers))
    @rule(data=st.data())
    def tampering_is_detected(self, data: st.DataObject) -> None:
        # The checker must be able to fail: a changed balance, or a changed posted amount, is seen.
        account = data.draw(st.sampled_from(ACCOUNTS))
        which = data.draw(
            st.sampled_from(["debits_pending", "debits_posted", "credits_pending", "credits_posted"])
        )
        delta = data.draw(st.sampled_from([-7, -1, 1, 1_000]))
        balances = dict(self.ledger.balances)
        old = self.ledger.balance(account.id)
        balances[account.id] = replace(old, **{which: getattr(old, which) + delta})
        codes = [
            p.code for p in check_invariants(self.ledger.accounts, self.ledger.transfers, balances=balances)
        ]
        assert ProblemCode.BALANCE_MISMATCH in codes

        posted = [
            i for i, t in enumerate(self.ledger.transfers) if t.phase in (Phase.SINGLE, Phase.POST_PENDING)
        ]
        if posted:
            transfers = list(self.ledger.transfers)
            i = data.draw(st.sampled_from(posted))
            transfers[i] = replace(transfers[i], amount=transfers[i].amount + 1)  # type: ignore[operator]
            assert check_invariants(self.ledger.accounts, transfers, balances=self.ledger.balances) != []

    @invariant()
    def ledger_checks_clean(self) -> None:
        assert self.ledger.check() == []

    @invariant()
    def balances_are_the_sum_of_transfers(self) -> None:
        assert _as_tuples(self.ledger) == _fold(self.ledger.transfers)

    @invariant()
    def debits_equal_credits_per_currency(self) -> None:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for account_id, (dp, dpo, cp, cpo) in _fold(self.ledger.transfers).items():
            total = totals[BY_ID[account_id].currency]
            for k, v in enumerate((dp, dpo, cp, cpo)):
                total[k] += v
        for dp, dpo, cp, cpo in totals.values():
            assert (dp, dpo) == (cp, cpo)

    @invariant()
    def balance_constraints_hold(self) -> None:
        for account in ACCOUNTS:
            b = self.ledger.balance(account.id)
            if account.debits_must_not_exceed_credits:
                assert b.debits_pending + b.debits_posted <= b.credits_posted
            if account.credits_must_not_exceed_debits:
                assert b.credits_pending + b.credits_posted <= b.debits_posted
            assert b.debits_pending >= 0 and b.credits_pending >= 0

    @invariant()
    def each_pending_is_resolved_at_most_once_and_posts_stay_within_it(self) -> None:
        transfers = self.ledger.transfers
        by_id = {t.id: t for t in transfers}
        resolutions = Counter(t.pending_id for t in transfers if t.pending_id is not None)
        assert all(n == 1 for n in resolutions.values())
        for t in transfers:
            if t.phase is Phase.POST_PENDING:
                assert t.pending_id is not None
                assert 0 < t.amount <= by_id[t.pending_id].amount  # type: ignore[operator]


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- fuzz: nonsense in, a result code out, never an exception --------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.uuids(),
    st.sampled_from([a.id for a in ACCOUNTS]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.one_of(st.text(max_size=2), st.integers()), max_size=2),
    st.sampled_from(list(Phase)),
)


@settings(max_examples=300, deadline=None)
@given(fields=st.fixed_dictionaries({}, optional={name: junk for name in Transfer.__dataclass_fields__}))
def test_nonsense_gets_a_result_code_and_leaves_the_books_sound(fields: dict[str, Any]) -> None:
    ledger = Ledger(clock=FakeClock())
    ledger.create_accounts(ACCOUNTS)
    fields.setdefault("id", uuid.uuid4())
    t = Transfer(**fields)
    results = ledger.create_transfers([t, t])
    assert all(isinstance(r, TransferResult) for r in results)
    if results[0] is R.OK:
        assert results[1] in (R.EXISTS, R.LINKED_EVENT_CHAIN_OPEN)
    assert ledger.check() == []


# -- deciding without balances --------------------------------------------------------------------

balances = st.dictionaries(
    st.sampled_from([a.id for a in ACCOUNTS]),
    st.builds(Balance, *[st.integers(min_value=0, max_value=10**6)] * 4),
    max_size=len(ACCOUNTS),
)


@settings(max_examples=500, deadline=None)
@given(data=st.data(), held=balances)
def test_without_a_constraint_in_play_the_decision_ignores_balances(data: st.DataObject, held) -> None:
    """The database ledger decides a lone transfer before reading balances when ``needs_balances`` is
    False (billing.services.ledger.single): the answer must then be the same whatever they are."""
    t = data.draw(st.one_of(plausible_transfer([]), wild_transfer([])))
    debit, credit = BY_ID.get(t.debit_account_id), BY_ID.get(t.credit_account_id)
    unread = validate_transfer(t, None, BY_ID, balances=None)
    read = validate_transfer(t, None, BY_ID, balances=held)
    if debit is not None and credit is not None and not needs_balances(debit, credit):
        assert read == unread
    elif read != unread:
        event("balances decided it")  # the other case exists, so the property above is not vacuous
        assert debit is not None and credit is not None and needs_balances(debit, credit)
    if unread is None:
        # And what it adds to the two balances does not depend on them either (an increment).
        before = {k: v for k, v in held.items() if k in (debit.id, credit.id)}
        after = apply(held, t)
        delta = apply({}, t)
        for k, b in after.items():
            assert b == before.get(k, Balance()) + delta[k]
