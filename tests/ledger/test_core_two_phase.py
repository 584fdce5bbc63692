"""Two-phase transfers: reserve, then post (in full or in part), void, or expire, exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from smartgov.ledger import (
    Balance,
    PendingState,
    Phase,
    Side,
    TransferResult,
    expiry_id,
    validate_transfer,
)

from . import T0, World, make_pending, make_post, make_transfer, make_void

R = TransferResult


def test_pending_reserves_without_posting() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 12_345, refs={"payment": "P1"})
    assert w.ledger.create_transfer(p) == R.OK
    assert w.ledger.balance(w.clearing.id) == Balance(debits_pending=12_345)
    assert w.ledger.balance(w.receivable.id) == Balance(credits_pending=12_345)
    assert w.ledger.balance(w.receivable.id).posted(Side.DEBIT) == 0
    assert w.ledger.balance(w.receivable.id).available(Side.DEBIT) == -12_345
    assert w.ledger.pending_state(p.id) is PendingState.PENDING
    assert w.ledger.check() == []


def test_full_post_moves_pending_to_posted_and_inherits_the_pending_fields() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 12_345, code="bill.paid", refs={"payment": "P1"})
    post = make_post(p)
    assert w.ledger.create_transfers([p, post]) == [R.OK, R.OK]
    assert w.ledger.balance(w.clearing.id) == Balance(debits_posted=12_345)
    assert w.ledger.balance(w.receivable.id) == Balance(credits_posted=12_345)
    assert w.ledger.pending_state(p.id) is PendingState.POSTED
    stored = w.ledger.transfer(post.id)
    assert stored is not None
    # Stored resolved, so the row reads on its own.
    assert (stored.debit_account_id, stored.credit_account_id, stored.amount) == (
        w.clearing.id,
        w.receivable.id,
        12_345,
    )
    assert (stored.ledger, stored.currency, stored.code) == ("main", "CNY", "bill.paid")
    assert stored.refs == {"payment": "P1"}
    assert w.ledger.check() == []


def test_post_may_repeat_the_pending_fields_and_carry_its_own_refs() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 500, refs={"payment": "P1"})
    post = make_post(
        p,
        500,
        debit_account_id=w.clearing.id,
        credit_account_id=w.receivable.id,
        ledger="main",
        currency="CNY",
        code="test",
        refs={"payment": "P1", "provider_trade": "T9"},
    )
    assert w.ledger.create_transfers([p, post]) == [R.OK, R.OK]
    stored = w.ledger.transfer(post.id)
    assert stored is not None and stored.refs == {"payment": "P1", "provider_trade": "T9"}


def test_partial_post_posts_the_amount_and_releases_the_rest() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    assert w.ledger.create_transfers([p, make_post(p, 600)]) == [R.OK, R.OK]
    assert w.ledger.balance(w.clearing.id) == Balance(debits_posted=600)
    assert w.ledger.balance(w.receivable.id) == Balance(credits_posted=600)
    # Resolved once: the remaining 400 cannot be posted later.
    assert w.ledger.create_transfer(make_post(p, 400)) == R.PENDING_TRANSFER_ALREADY_POSTED
    assert w.ledger.check() == []


def test_post_amount_cannot_exceed_the_pending_amount() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    assert w.ledger.create_transfers([p, make_post(p, 1_001), make_post(p, 1_000)]) == [
        R.OK,
        R.EXCEEDS_PENDING_TRANSFER_AMOUNT,
        R.OK,
    ]


def test_void_releases_the_whole_reservation() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    void = make_void(p)
    assert w.ledger.create_transfers([p, void]) == [R.OK, R.OK]
    assert w.ledger.balance(w.clearing.id) == Balance()
    assert w.ledger.balance(w.receivable.id) == Balance()
    assert w.ledger.pending_state(p.id) is PendingState.VOIDED
    assert w.ledger.create_transfer(make_void(p)) == R.PENDING_TRANSFER_ALREADY_VOIDED
    assert w.ledger.create_transfer(make_post(p)) == R.PENDING_TRANSFER_ALREADY_VOIDED
    # A void that names the amount must name all of it.
    p2 = make_pending(w.clearing, w.receivable, 1_000)
    assert w.ledger.create_transfers([p2, make_void(p2, amount=1_000)]) == [R.OK, R.OK]
    assert w.ledger.check() == []


def test_a_pending_transfer_is_resolved_exactly_once_even_within_a_batch() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    results = w.ledger.create_transfers([p, make_post(p, 10), make_post(p, 20), make_void(p)])
    assert results == [R.OK, R.OK, R.PENDING_TRANSFER_ALREADY_POSTED, R.PENDING_TRANSFER_ALREADY_POSTED]
    assert w.ledger.balance(w.clearing.id) == Balance(debits_posted=10)


def test_post_replay_is_exists_whether_or_not_it_names_the_amount() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 1_000)
    post = make_post(p)
    assert w.ledger.create_transfers([p, post]) == [R.OK, R.OK]
    before = w.snapshot()
    assert w.ledger.create_transfer(post) == R.EXISTS
    assert w.ledger.create_transfer(replace(post, amount=1_000)) == R.EXISTS
    assert w.ledger.create_transfer(replace(post, amount=999)) == R.EXISTS_WITH_DIFFERENT_AMOUNT
    assert w.ledger.create_transfer(replace(post, phase=Phase.VOID_PENDING)) == R.EXISTS_WITH_DIFFERENT_PHASE
    assert w.snapshot() == before


def test_expire_voids_overdue_pending_transfers_and_records_the_expiry() -> None:
    w = World()
    short = make_pending(w.clearing, w.receivable, 100, timeout=60)
    long = make_pending(w.clearing, w.receivable, 200, timeout=600)
    forever = make_pending(w.clearing, w.receivable, 300)
    assert w.ledger.create_transfers([short, long, forever]) == [R.OK] * 3
    stored_short = w.ledger.transfer(short.id)
    assert stored_short is not None and stored_short.expires_at == T0 + timedelta(seconds=60)

    w.clock.advance(59)
    assert w.ledger.expire() == []
    w.clock.advance(1)  # the deadline itself counts as expired
    expired = w.ledger.expire()
    assert [t.pending_id for t in expired] == [short.id]
    assert expired[0].id == expiry_id(short.id)
    assert expired[0].phase is Phase.EXPIRE_PENDING
    assert expired[0].amount == 100
    assert w.ledger.pending_state(short.id) is PendingState.EXPIRED
    assert w.ledger.pending_state(long.id) is PendingState.PENDING
    assert w.ledger.balance(w.clearing.id) == Balance(debits_pending=500)
    assert w.ledger.expire() == []  # nothing expires twice

    assert w.ledger.expire(T0 + timedelta(days=365)) != []
    assert w.ledger.pending_state(long.id) is PendingState.EXPIRED
    assert w.ledger.pending_state(forever.id) is PendingState.PENDING
    assert w.ledger.balance(w.clearing.id) == Balance(debits_pending=300)
    assert w.ledger.check() == []


def test_expired_pending_cannot_be_posted_or_voided_before_or_after_the_sweep() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100, timeout=60)
    assert w.ledger.create_transfer(p) == R.OK
    w.clock.advance(60)
    # Not swept yet: still refused, because it is past its deadline.
    assert w.ledger.create_transfer(make_post(p)) == R.PENDING_TRANSFER_EXPIRED
    assert w.ledger.create_transfer(make_void(p)) == R.PENDING_TRANSFER_EXPIRED
    w.ledger.expire()
    assert w.ledger.create_transfer(make_post(p)) == R.PENDING_TRANSFER_EXPIRED
    assert w.ledger.check() == []


def test_post_just_before_the_deadline_succeeds_and_expire_then_leaves_it_alone() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100, timeout=60)
    assert w.ledger.create_transfer(p) == R.OK
    w.clock.advance(59.999)
    assert w.ledger.create_transfer(make_post(p)) == R.OK
    w.clock.advance(10)
    assert w.ledger.expire() == []
    assert w.ledger.pending_state(p.id) is PendingState.POSTED


def test_clients_cannot_write_expiries() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100, timeout=1)
    assert w.ledger.create_transfer(p) == R.OK
    w.clock.advance(5)
    forged = replace(make_void(p), id=expiry_id(p.id), phase=Phase.EXPIRE_PENDING)
    assert w.ledger.create_transfer(forged) == R.EXPIRE_RESERVED_FOR_LEDGER


def test_pending_counts_against_balance_constraints_and_a_void_gives_it_back() -> None:
    w = World()
    issue = make_transfer(w.bill, w.revenue, 1_000)
    hold = make_pending(w.clearing, w.bill, 1_000)  # a checkout reserves the whole bill
    second = make_pending(w.clearing, w.bill, 1)  # a concurrent checkout cannot pay it again
    assert w.ledger.create_transfers([issue, hold, second]) == [R.OK, R.OK, R.EXCEEDS_DEBITS]
    assert w.ledger.create_transfer(make_void(hold)) == R.OK
    assert w.ledger.create_transfer(make_pending(w.clearing, w.bill, 1_000)) == R.OK


def test_pending_credit_does_not_count_as_cover() -> None:
    # Only posted credits cover debits: a refund cannot be paid out of a refund still pending.
    w = World()
    approve = make_pending(w.revenue, w.refunds, 500)
    assert w.ledger.create_transfers([approve, make_transfer(w.refunds, w.clearing, 1)]) == [
        R.OK,
        R.EXCEEDS_CREDITS,
    ]
    assert w.ledger.create_transfers([make_post(approve), make_transfer(w.refunds, w.clearing, 500)]) == [
        R.OK,
        R.OK,
    ]


def test_validate_needs_now_for_a_pending_transfer_with_a_timeout() -> None:
    w = World()
    p = make_pending(w.clearing, w.receivable, 100, timeout=60)
    w.ledger.create_transfer(p)
    with pytest.raises(ValueError, match="now"):
        validate_transfer(make_post(p), None, w.ledger.accounts, pending=w.ledger.transfer(p.id))


def test_validate_refuses_a_pending_argument_that_is_not_the_named_one() -> None:
    w = World()
    p1, p2 = make_pending(w.clearing, w.receivable, 1), make_pending(w.clearing, w.receivable, 2)
    w.ledger.create_transfers([p1, p2])
    with pytest.raises(ValueError, match="pending"):
        validate_transfer(make_post(p1), None, w.ledger.accounts, pending=w.ledger.transfer(p2.id))
