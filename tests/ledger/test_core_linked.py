"""Linked transfers: a chain succeeds or fails as one."""

from __future__ import annotations

from dataclasses import replace

from smartgov.ledger import Balance, PendingState, TransferResult

from . import World, make_pending, make_post, make_transfer

R = TransferResult


def test_chain_that_succeeds_applies_every_member() -> None:
    w = World()
    # Settlement with a fee: two legs, one business event.
    to_bank = make_transfer(w.bank, w.clearing, 9_955, linked=True)
    fee = make_transfer(w.receivable, w.clearing, 45)
    assert w.ledger.create_transfers([to_bank, fee]) == [R.OK, R.OK]
    assert w.ledger.balance(w.clearing.id) == Balance(credits_posted=10_000)


def test_failure_anywhere_in_a_chain_undoes_the_whole_chain() -> None:
    w = World()
    before = w.snapshot()
    a = make_transfer(w.receivable, w.revenue, 100, linked=True)
    b = make_transfer(w.clearing, w.receivable, 100, linked=True)
    c = make_transfer(w.refunds, w.clearing, 1)  # refunds payable has nothing to pay out
    assert w.ledger.create_transfers([a, b, c]) == [
        R.LINKED_EVENT_FAILED,
        R.LINKED_EVENT_FAILED,
        R.EXCEEDS_CREDITS,
    ]
    assert w.snapshot() == before
    assert w.ledger.transfer(a.id) is None
    # Members after the failing one are not even tried.
    d = make_transfer(w.receivable, w.revenue, 0, linked=True)
    e = make_transfer(w.receivable, w.revenue, 1)
    assert w.ledger.create_transfers([d, e]) == [R.AMOUNT_MUST_BE_POSITIVE, R.LINKED_EVENT_FAILED]
    assert w.snapshot() == before


def test_a_failed_chain_leaves_neighbouring_chains_and_transfers_alone() -> None:
    w = World()
    alone = make_transfer(w.receivable, w.revenue, 1)
    bad_chain = [
        make_transfer(w.receivable, w.revenue, 2, linked=True),
        make_transfer(w.receivable, w.revenue, -2),
    ]
    good_chain = [
        make_transfer(w.receivable, w.revenue, 4, linked=True),
        make_transfer(w.receivable, w.revenue, 8),
    ]
    results = w.ledger.create_transfers([alone, *bad_chain, *good_chain])
    assert results == [R.OK, R.LINKED_EVENT_FAILED, R.AMOUNT_MUST_BE_POSITIVE, R.OK, R.OK]
    assert w.ledger.balance(w.revenue.id) == Balance(credits_posted=13)


def test_later_members_see_earlier_members_effects_and_rollback_undoes_them() -> None:
    w = World()
    # Approve a refund and pay it out: the payout is covered only by the approval in the same chain.
    approve = make_transfer(w.revenue, w.refunds, 500, linked=True)
    payout = make_transfer(w.refunds, w.clearing, 500)
    assert w.ledger.create_transfers([approve, payout]) == [R.OK, R.OK]
    # The same shape, but a third member fails: the approval must not survive as cover.
    approve2 = make_transfer(w.revenue, w.refunds, 300, linked=True)
    payout2 = make_transfer(w.refunds, w.clearing, 300, linked=True)
    broken = make_transfer(w.refunds, w.clearing, 0)
    assert w.ledger.create_transfers([approve2, payout2, broken])[-1] == R.AMOUNT_MUST_BE_POSITIVE
    assert w.ledger.create_transfer(make_transfer(w.refunds, w.clearing, 1)) == R.EXCEEDS_CREDITS
    assert w.ledger.check() == []


def test_rollback_restores_a_pending_transfer_posted_inside_the_failed_chain() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    assert w.ledger.create_transfer(p) == R.OK
    post = make_post(p, linked=True)
    broken = make_transfer(w.receivable, w.revenue, 0)
    assert w.ledger.create_transfers([post, broken]) == [R.LINKED_EVENT_FAILED, R.AMOUNT_MUST_BE_POSITIVE]
    assert w.ledger.pending_state(p.id) is PendingState.PENDING
    assert w.ledger.balance(w.clearing.id) == Balance(debits_pending=1_000)
    assert w.ledger.create_transfer(make_post(p)) == R.OK
    assert w.ledger.check() == []


def test_chain_open_at_the_end_of_the_batch_fails_entirely() -> None:
    w = World()
    before = w.snapshot()
    a = make_transfer(w.receivable, w.revenue, 1, linked=True)
    b = make_transfer(w.receivable, w.revenue, 1, linked=True)
    assert w.ledger.create_transfers([a, b]) == [R.LINKED_EVENT_FAILED, R.LINKED_EVENT_CHAIN_OPEN]
    assert w.ledger.create_transfer(a) == R.LINKED_EVENT_CHAIN_OPEN
    assert w.snapshot() == before


def test_replaying_a_whole_chain_answers_exists_for_each_member() -> None:
    w = World()
    chain = [
        make_transfer(w.receivable, w.revenue, 1, linked=True),
        make_transfer(w.receivable, w.revenue, 2, linked=True),
        make_transfer(w.receivable, w.revenue, 3),
    ]
    assert w.ledger.create_transfers(chain) == [R.OK] * 3
    before = w.snapshot()
    assert w.ledger.create_transfers(chain) == [R.EXISTS] * 3
    assert w.snapshot() == before


def test_chain_mixing_a_replay_and_new_transfers_applies_only_the_new_ones() -> None:
    w = World()
    first = make_transfer(w.receivable, w.revenue, 1)
    assert w.ledger.create_transfer(first) == R.OK
    chain = [replace(first, linked=True), make_transfer(w.receivable, w.revenue, 2)]
    # A replay must repeat the linked flag too: this is a different request.
    assert w.ledger.create_transfers(chain) == [R.EXISTS_WITH_DIFFERENT_LINKED, R.LINKED_EVENT_FAILED]
    new = make_transfer(w.receivable, w.revenue, 2, linked=True)
    assert w.ledger.create_transfers([new, first]) == [R.OK, R.EXISTS]
    assert w.ledger.balance(w.revenue.id) == Balance(credits_posted=3)
