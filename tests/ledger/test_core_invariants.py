"""check_invariants: a sound ledger has no problems; every kind of tampering is named."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from smartgov.ledger import (
    Balance,
    Phase,
    PostingRule,
    Problem,
    ProblemCode,
    Transfer,
    apply,
    balances_from,
    check_invariants,
    resolve,
)

from . import T0, World, make_account, make_pending, make_post, make_transfer, make_void

P = ProblemCode
PAID = PostingRule(code="bill.paid", keys=("bill", "payment"))


def _books() -> World:
    """A ledger with a bill issued, paid via a pending checkout, settled, and partly refunded."""
    w = World()
    checkout = make_pending(
        w.clearing, w.receivable, 12_345, code="bill.paid", refs={"bill": "B1", "payment": "P1"}
    )
    results = w.ledger.create_transfers(
        [
            make_transfer(w.receivable, w.revenue, 12_345, code="bill.issued", refs={"bill": "B1"}),
            checkout,
            make_post(checkout),
            make_transfer(w.bank, w.clearing, 12_345, code="settlement"),
            make_transfer(w.revenue, w.refunds, 2_000, code="refund.approved", linked=True),
            make_transfer(w.refunds, w.bank, 2_000, code="refund.paid"),
        ]
    )
    assert all(r.succeeded for r in results), results
    return w


def _codes(problems: list[Problem]) -> list[ProblemCode]:
    return [p.code for p in problems]


def test_sound_ledger_has_no_problems() -> None:
    w = _books()
    assert w.ledger.check([PAID]) == []
    assert (
        check_invariants(w.ledger.accounts, w.ledger.transfers, balances=w.ledger.balances, rules=[PAID])
        == []
    )


def test_balances_from_transfers_equal_the_ledger_balances() -> None:
    w = _books()
    derived = balances_from(w.ledger.transfers)
    assert {k: v for k, v in derived.items() if v != Balance()} == {
        k: v for k, v in w.ledger.balances.items() if v != Balance()
    }


def test_tampered_balance_is_a_mismatch_and_breaks_debits_equal_credits() -> None:
    w = _books()
    balances = dict(w.ledger.balances)
    balances[w.bank.id] = replace(balances[w.bank.id], debits_posted=balances[w.bank.id].debits_posted + 1)
    problems = check_invariants(w.ledger.accounts, w.ledger.transfers, balances=balances)
    assert set(_codes(problems)) == {
        P.BALANCE_MISMATCH,
        P.DEBITS_NOT_EQUAL_CREDITS,
        P.CURRENCY_DEBITS_NOT_EQUAL_CREDITS,
    }
    mismatch = next(p for p in problems if p.code is P.BALANCE_MISMATCH)
    assert mismatch.subject == str(w.bank.id)
    assert "bank:settlement" in mismatch.message
    assert str(mismatch).startswith("balance_mismatch: ")


def test_balance_missing_from_storage_is_a_mismatch() -> None:
    w = _books()
    balances = dict(w.ledger.balances)
    del balances[w.clearing.id]
    assert P.BALANCE_MISMATCH in _codes(
        check_invariants(w.ledger.accounts, w.ledger.transfers, balances=balances)
    )


def test_stored_balance_breaking_a_constraint_is_named() -> None:
    w = _books()
    balances = dict(w.ledger.balances)
    balances[w.refunds.id] = Balance(debits_posted=1)
    balances[w.revenue.id] = balances[w.revenue.id] + Balance(credits_posted=1)  # keep the totals equal
    assert P.LIMIT_VIOLATED in _codes(
        check_invariants(w.ledger.accounts, w.ledger.transfers, balances=balances)
    )


def test_balance_of_an_unknown_account_is_named() -> None:
    w = _books()
    balances = {**w.ledger.balances, uuid.uuid4(): Balance()}
    assert _codes(check_invariants(w.ledger.accounts, w.ledger.transfers, balances=balances)) == [
        P.UNKNOWN_ACCOUNT
    ]


def test_edited_amount_is_caught_by_the_balance_check() -> None:
    w = _books()
    transfers = list(w.ledger.transfers)
    transfers[0] = replace(transfers[0], amount=12_000)
    problems = check_invariants(w.ledger.accounts, transfers, balances=w.ledger.balances)
    assert P.BALANCE_MISMATCH in _codes(problems)


def test_transfer_across_currencies_written_around_the_rules_is_invalid() -> None:
    w = _books()
    rogue = make_transfer(w.bank, w.usd_a, 1, timestamp=T0 + timedelta(days=1), currency="USD")
    problems = check_invariants(w.ledger.accounts, [*w.ledger.transfers, rogue])
    assert _codes(problems) == [P.INVALID_TRANSFER]
    assert "accounts_must_have_the_same_currency" in problems[0].message


def test_second_post_of_one_pending_transfer_is_invalid() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100)
    post = make_post(p)
    assert w.ledger.create_transfers([p, post]) == ["ok", "ok"]
    stored_post = w.ledger.transfer(post.id)
    assert stored_post is not None
    double = replace(stored_post, id=uuid.uuid4(), timestamp=T0 + timedelta(seconds=1))
    problems = check_invariants(w.ledger.accounts, [*w.ledger.transfers, double])
    assert _codes(problems) == [P.INVALID_TRANSFER]
    assert "pending_transfer_already_posted" in problems[0].message


def test_duplicate_id_missing_and_backwards_timestamps_are_named() -> None:
    w = _books()
    ts = list(w.ledger.transfers)
    assert _codes(check_invariants(w.ledger.accounts, [*ts, ts[0]])) == [P.DUPLICATE_TRANSFER_ID]
    assert _codes(check_invariants(w.ledger.accounts, [replace(ts[0], timestamp=None)])) == [
        P.MISSING_TIMESTAMP
    ]
    late = replace(make_transfer(w.receivable, w.revenue, 1), timestamp=T0 - timedelta(days=1))
    assert _codes(check_invariants(w.ledger.accounts, [*ts, late])) == [P.TIMESTAMP_NOT_INCREASING]


def test_stored_post_without_its_resolved_fields_is_unresolved() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100)
    assert w.ledger.create_transfer(p) == "ok"
    stored_p = w.ledger.transfer(p.id)
    assert stored_p is not None
    bare_post = replace(make_post(p), timestamp=T0 + timedelta(seconds=1))
    assert _codes(check_invariants(w.ledger.accounts, [stored_p, bare_post])) == [P.UNRESOLVED_TRANSFER]
    assert check_invariants(w.ledger.accounts, [stored_p, replace(resolve(bare_post, stored_p))]) == []


def test_transfer_to_an_unknown_account_is_invalid() -> None:
    w = World()
    ghost = make_account("ghost")
    rogue = make_transfer(w.bank, ghost, 5, timestamp=T0)
    problems = check_invariants(w.ledger.accounts, [rogue])
    assert _codes(problems) == [P.INVALID_TRANSFER]
    assert "credit_account_not_found" in problems[0].message


def test_cross_currency_totals_are_checked_per_currency() -> None:
    w = World()
    # Stored balances that balance overall (100 = 100) but not within each currency.
    balances = {w.bank.id: Balance(debits_posted=100), w.usd_a.id: Balance(credits_posted=100)}
    problems = check_invariants(w.ledger.accounts, [], balances=balances)
    per_currency = [p for p in problems if p.code is P.CURRENCY_DEBITS_NOT_EQUAL_CREDITS]
    assert {p.subject for p in per_currency} == {"CNY", "USD"}
    assert P.DEBITS_NOT_EQUAL_CREDITS not in _codes(problems)


def test_pending_totals_are_checked_too() -> None:
    w = World()
    balances = {w.bank.id: Balance(debits_pending=5), w.clearing.id: Balance(credits_pending=4)}
    problems = check_invariants(w.ledger.accounts, [], balances=balances)
    assert any(p.code is P.DEBITS_NOT_EQUAL_CREDITS and "pending" in p.message for p in problems)


# -- one posting per payment -------------------------------------------------------------------


def test_second_posting_for_the_same_payment_is_a_duplicate() -> None:
    w = _books()
    again = make_transfer(
        w.clearing, w.receivable, 12_345, code="bill.paid", refs={"bill": "B1", "payment": "P1"}
    )
    assert w.ledger.create_transfer(again) == "ok"  # the ledger allows it; the invariant catches it
    problems = w.ledger.check([PAID])
    assert _codes(problems) == [P.DUPLICATE_POSTING]
    assert problems[0].subject == "B1/P1"
    assert "bill=B1, payment=P1" in problems[0].message


def test_pending_and_voided_checkouts_are_not_postings() -> None:
    w = World()
    refs = {"bill": "B1", "payment": "P1"}
    p1 = make_pending(w.clearing, w.receivable, 100, code="bill.paid", refs=refs)
    p2 = make_pending(w.clearing, w.receivable, 100, code="bill.paid", refs=refs)
    assert w.ledger.create_transfers([p1, make_void(p1), p2]) == ["ok"] * 3
    rule = replace(PAID, expected=frozenset({("B1", "P1")}))
    assert _codes(w.ledger.check([rule])) == [P.MISSING_POSTING]
    assert w.ledger.create_transfer(make_post(p2)) == "ok"
    assert w.ledger.check([rule]) == []


def test_expected_postings_missing_and_unexpected() -> None:
    w = _books()
    rule = replace(PAID, expected=frozenset({("B2", "P2")}))
    problems = w.ledger.check([rule])
    assert sorted(_codes(problems)) == sorted([P.MISSING_POSTING, P.UNEXPECTED_POSTING])
    assert {p.subject for p in problems} == {"B2/P2", "B1/P1"}


def test_posting_without_its_reference_keys_is_named() -> None:
    w = World()
    assert (
        w.ledger.create_transfer(
            make_transfer(w.clearing, w.receivable, 1, code="bill.paid", refs={"bill": "B1"})
        )
        == "ok"
    )
    assert _codes(w.ledger.check([PAID])) == [P.POSTING_MISSING_REFERENCE]


def test_every_problem_code_has_an_example_here() -> None:
    # Guard against adding a ProblemCode without a test that produces it.
    source = Path(__file__).read_text(encoding="utf-8")
    assert all(f"P.{code.name}" in source for code in ProblemCode)


# -- the pure functions on their own ----------------------------------------------------------


def test_apply_returns_only_the_two_touched_accounts() -> None:
    w = World()
    t = make_transfer(w.bank, w.clearing, 7)
    other = uuid.uuid4()
    out = apply({other: Balance(debits_posted=1), w.bank.id: Balance(credits_posted=3)}, t)
    assert out == {
        w.bank.id: Balance(debits_posted=7, credits_posted=3),
        w.clearing.id: Balance(credits_posted=7),
    }


def test_apply_of_pending_then_partial_post_equals_a_single_transfer_of_the_posted_amount() -> None:
    w = World()
    p = make_pending(w.bank, w.clearing, 10)
    after_pending = apply({}, p)
    after_post = {**after_pending, **apply(after_pending, make_post(p, 4), p)}
    assert after_post == apply({}, make_transfer(w.bank, w.clearing, 4))


def test_resolve_leaves_single_transfers_alone_and_fills_posts() -> None:
    w = World()
    t = make_transfer(w.bank, w.clearing, 10)
    assert resolve(t, None) is t
    p = make_pending(w.bank, w.clearing, 10, refs={"bill": "B"})
    void = resolve(make_void(p), p)
    assert (void.phase, void.amount, void.debit_account_id, void.refs) == (
        Phase.VOID_PENDING,
        10,
        w.bank.id,
        {"bill": "B"},
    )
    assert isinstance(void, Transfer)
