"""Examples: accounts, single-phase transfers, idempotency, and one example for every result code."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from smartgov.ledger import (
    MAX_AMOUNT,
    MAX_TIMEOUT,
    Account,
    AccountResult,
    Balance,
    Ledger,
    Phase,
    Side,
    Transfer,
    TransferResult,
    validate_transfer,
)

from . import T0, World, make_account, make_pending, make_post, make_transfer, make_void

R = TransferResult


# -- accounts ----------------------------------------------------------------------------------


def test_account_is_created_once_and_replay_answers_exists() -> None:
    ledger = Ledger()
    account = make_account("receivable:water")
    assert ledger.create_accounts([account]) == [AccountResult.OK]
    assert ledger.create_accounts([account]) == [AccountResult.EXISTS]
    assert ledger.account(account.id) == account
    assert ledger.account_by_code("main", "receivable:water", "CNY") == account
    assert ledger.balance(account.id) == Balance()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"code": "receivable:gas"}, AccountResult.EXISTS_WITH_DIFFERENT_CODE),
        ({"ledger": "memo"}, AccountResult.EXISTS_WITH_DIFFERENT_LEDGER),
        ({"currency": "USD"}, AccountResult.EXISTS_WITH_DIFFERENT_CURRENCY),
        ({"normal": Side.CREDIT}, AccountResult.EXISTS_WITH_DIFFERENT_NORMAL),
        ({"debits_must_not_exceed_credits": True}, AccountResult.EXISTS_WITH_DIFFERENT_FLAGS),
        ({"credits_must_not_exceed_debits": True}, AccountResult.EXISTS_WITH_DIFFERENT_FLAGS),
    ],
)
def test_account_replay_with_other_fields_is_refused(
    change: dict[str, object], expected: AccountResult
) -> None:
    ledger = Ledger()
    account = make_account("receivable:water")
    ledger.create_accounts([account])
    assert ledger.create_accounts([replace(account, **change)]) == [expected]  # type: ignore[arg-type]
    assert ledger.account(account.id) == account


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "not-a-uuid"}, AccountResult.ID_MUST_BE_UUID),
        ({"id": uuid.UUID(int=0)}, AccountResult.ID_MUST_NOT_BE_NIL),
        ({"code": ""}, AccountResult.CODE_MUST_NOT_BE_EMPTY),
        ({"ledger": ""}, AccountResult.LEDGER_MUST_NOT_BE_EMPTY),
        ({"currency": "cny"}, AccountResult.INVALID_CURRENCY),
        ({"currency": "YUAN"}, AccountResult.INVALID_CURRENCY),
        ({"normal": "sideways"}, AccountResult.INVALID_NORMAL_SIDE),
        (
            {"debits_must_not_exceed_credits": True, "credits_must_not_exceed_debits": True},
            AccountResult.FLAGS_ARE_MUTUALLY_EXCLUSIVE,
        ),
    ],
)
def test_invalid_account_is_refused(change: dict[str, object], expected: AccountResult) -> None:
    ledger = Ledger()
    account = replace(make_account("receivable:water"), **change)  # type: ignore[arg-type]
    assert ledger.create_accounts([account]) == [expected]
    assert ledger.accounts == {}


def test_account_code_is_unique_per_ledger_and_currency() -> None:
    ledger = Ledger()
    first = make_account("clearing:alipay")
    assert ledger.create_accounts(
        [
            first,
            make_account("clearing:alipay"),
            make_account("clearing:alipay", currency="USD"),
            make_account("clearing:alipay", ledger="memo"),
        ]
    ) == [AccountResult.OK, AccountResult.CODE_ALREADY_EXISTS, AccountResult.OK, AccountResult.OK]
    assert ledger.account_by_code("main", "clearing:alipay", "CNY") == first


def test_every_account_result_has_an_example() -> None:
    # The parametrised cases above, plus OK/EXISTS/CODE_ALREADY_EXISTS, must cover the enum, so a
    # new code cannot be added without a test.
    covered = {
        AccountResult.OK,
        AccountResult.EXISTS,
        AccountResult.CODE_ALREADY_EXISTS,
        AccountResult.EXISTS_WITH_DIFFERENT_CODE,
        AccountResult.EXISTS_WITH_DIFFERENT_LEDGER,
        AccountResult.EXISTS_WITH_DIFFERENT_CURRENCY,
        AccountResult.EXISTS_WITH_DIFFERENT_NORMAL,
        AccountResult.EXISTS_WITH_DIFFERENT_FLAGS,
        AccountResult.ID_MUST_BE_UUID,
        AccountResult.ID_MUST_NOT_BE_NIL,
        AccountResult.CODE_MUST_NOT_BE_EMPTY,
        AccountResult.LEDGER_MUST_NOT_BE_EMPTY,
        AccountResult.INVALID_CURRENCY,
        AccountResult.INVALID_NORMAL_SIDE,
        AccountResult.FLAGS_ARE_MUTUALLY_EXCLUSIVE,
    }
    assert covered == set(AccountResult)


# -- single-phase transfers --------------------------------------------------------------------


def test_single_transfer_moves_posted_balances_and_is_stored_resolved() -> None:
    w = World()
    t = make_transfer(w.receivable, w.revenue, 12_345, refs={"bill": "LS-2026-000123"})
    assert w.ledger.create_transfers([t]) == [R.OK]
    assert w.ledger.balance(w.receivable.id) == Balance(debits_posted=12_345)
    assert w.ledger.balance(w.revenue.id) == Balance(credits_posted=12_345)
    assert w.ledger.balance(w.receivable.id).posted(Side.DEBIT) == 12_345
    assert w.ledger.balance(w.revenue.id).posted(Side.CREDIT) == 12_345
    stored = w.ledger.transfer(t.id)
    assert stored is not None
    assert stored == replace(t, timestamp=T0)
    assert stored.timestamp == T0
    assert stored.refs == {"bill": "LS-2026-000123"}
    assert w.ledger.check() == []


def test_refs_of_a_stored_transfer_cannot_be_changed_through_the_callers_dict() -> None:
    w = World()
    refs = {"bill": "B1"}
    t = make_transfer(w.receivable, w.revenue, 1, refs=refs)
    w.ledger.create_transfers([t])
    refs["bill"] = "B2"
    stored = w.ledger.transfer(t.id)
    assert stored is not None
    assert stored.refs == {"bill": "B1"}
    with pytest.raises(TypeError):
        stored.refs["bill"] = "B3"  # type: ignore[index]


def test_timestamps_strictly_increase_even_if_the_clock_stands_still() -> None:
    w = World()
    batch = [make_transfer(w.receivable, w.revenue, 1) for _ in range(3)]
    assert w.ledger.create_transfers(batch) == [R.OK] * 3
    stamps = [t.timestamp for t in w.ledger.transfers]
    assert stamps[0] == T0
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(stamps))


def test_naive_clock_is_a_programming_error() -> None:
    ledger = Ledger(clock=lambda: T0.replace(tzinfo=None))
    debit, credit = make_account("a"), make_account("b")
    ledger.create_accounts([debit, credit])
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.create_transfers([make_transfer(debit, credit, 1)])


def test_replay_with_identical_fields_is_exists_and_changes_nothing() -> None:
    w = World()
    t = make_transfer(w.receivable, w.revenue, 500, refs={"bill": "B1"})
    assert w.ledger.create_transfers([t]) == [R.OK]
    before = w.snapshot()
    w.clock.advance(3600)
    assert w.ledger.create_transfers([t, t]) == [R.EXISTS, R.EXISTS]
    # The same request rebuilt from scratch (a new dict for refs) is still the same request.
    assert w.ledger.create_transfers([replace(t, refs={"bill": "B1"})]) == [R.EXISTS]
    assert w.snapshot() == before


def test_refused_transfer_changes_nothing_and_its_id_stays_free() -> None:
    w = World()
    t = make_transfer(w.receivable, w.revenue, 0)
    before = w.snapshot()
    assert w.ledger.create_transfers([t]) == [R.AMOUNT_MUST_BE_POSITIVE]
    assert w.snapshot() == before
    # Validation failures are not stored (as with Stripe/GOV.UK Pay): the corrected retry passes.
    assert w.ledger.create_transfers([replace(t, amount=1)]) == [R.OK]


def test_batch_is_processed_in_order_and_each_transfer_stands_alone() -> None:
    w = World()
    ok1 = make_transfer(w.receivable, w.revenue, 10)
    bad = make_transfer(w.receivable, w.revenue, -1)
    ok2 = make_transfer(w.clearing, w.receivable, 4)
    assert w.ledger.create_transfers([ok1, bad, ok2]) == [R.OK, R.AMOUNT_MUST_BE_POSITIVE, R.OK]
    assert w.ledger.balance(w.receivable.id) == Balance(debits_posted=10, credits_posted=4)


def test_duplicate_id_inside_one_batch_is_exists_or_exists_with_different() -> None:
    w = World()
    t = make_transfer(w.receivable, w.revenue, 10)
    assert w.ledger.create_transfers([t, t, replace(t, amount=11)]) == [
        R.OK,
        R.EXISTS,
        R.EXISTS_WITH_DIFFERENT_AMOUNT,
    ]
    assert w.ledger.balance(w.revenue.id) == Balance(credits_posted=10)


def test_balance_constraint_refuses_refund_payouts_beyond_approved_refunds() -> None:
    w = World()
    approve = make_transfer(w.revenue, w.refunds, 2_000)
    payout_too_much = make_transfer(w.refunds, w.clearing, 2_001)
    payout = make_transfer(w.refunds, w.clearing, 2_000)
    again = make_transfer(w.refunds, w.clearing, 1)
    assert w.ledger.create_transfers([approve, payout_too_much, payout, again]) == [
        R.OK,
        R.EXCEEDS_CREDITS,
        R.OK,
        R.EXCEEDS_CREDITS,
    ]
    assert w.ledger.balance(w.refunds.id) == Balance(debits_posted=2_000, credits_posted=2_000)


def test_balance_constraint_refuses_paying_a_bill_beyond_what_was_issued() -> None:
    w = World()
    issue = make_transfer(w.bill, w.revenue, 12_345)
    pay_twice = [make_transfer(w.clearing, w.bill, 12_345) for _ in range(2)]
    assert w.ledger.create_transfers([issue, *pay_twice]) == [R.OK, R.OK, R.EXCEEDS_DEBITS]


# -- one example for every result code ---------------------------------------------------------


def _replayed(
    change: dict[str, object], make: Callable[[World], Transfer] | None = None
) -> Callable[[World], R]:
    """A scenario: store a transfer, then replay it with ``change``."""

    def scenario(w: World) -> R:
        t = make(w) if make else make_transfer(w.receivable, w.revenue, 100, refs={"bill": "B1"})
        assert w.ledger.create_transfers([t]) == [R.OK]
        return w.ledger.create_transfers([replace(t, **change)])[0]  # type: ignore[arg-type]

    return scenario


def _single(**fields: object) -> Callable[[World], R]:
    def scenario(w: World) -> R:
        values = dict(fields)
        amount = values.pop("amount", 100)
        return w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, amount, **values))

    return scenario


def _post_of_open_pending(**fields: object) -> Callable[[World], R]:
    def scenario(w: World) -> R:
        p = make_pending(w.receivable, w.revenue, 100, timeout=60)
        assert w.ledger.create_transfer(p) == R.OK
        return w.ledger.create_transfer(make_post(p, **fields))

    return scenario


def _void_of_open_pending(**fields: object) -> Callable[[World], R]:
    def scenario(w: World) -> R:
        p = make_pending(w.receivable, w.revenue, 100)
        assert w.ledger.create_transfer(p) == R.OK
        return w.ledger.create_transfer(make_void(p, **fields))

    return scenario


def _post_after(first: Callable[[Transfer], Transfer] | None, wait: float = 0) -> Callable[[World], R]:
    def scenario(w: World) -> R:
        p = make_pending(w.receivable, w.revenue, 100, timeout=60)
        assert w.ledger.create_transfer(p) == R.OK
        if first is not None:
            assert w.ledger.create_transfer(first(p)) == R.OK
        w.clock.advance(wait)
        return w.ledger.create_transfer(make_post(p))

    return scenario


def _chain_member_failed(w: World) -> R:
    results = w.ledger.create_transfers(
        [make_transfer(w.receivable, w.revenue, 1, linked=True), make_transfer(w.receivable, w.revenue, 0)]
    )
    assert results[1] == R.AMOUNT_MUST_BE_POSITIVE
    return results[0]


def _replay_post_with_other_pending(w: World) -> R:
    p1 = make_pending(w.receivable, w.revenue, 100)
    p2 = make_pending(w.receivable, w.revenue, 100)
    post = make_post(p1)
    assert w.ledger.create_transfers([p1, p2, post]) == [R.OK] * 3
    return w.ledger.create_transfer(replace(post, pending_id=p2.id))


def _replay_with_other_linked(w: World) -> R:
    t = make_transfer(w.receivable, w.revenue, 100)
    assert w.ledger.create_transfer(t) == R.OK
    return w.ledger.create_transfers([replace(t, linked=True), make_transfer(w.receivable, w.revenue, 1)])[0]


def _expiry_before_deadline(w: World) -> R:
    # Only the ledger writes expiries, so this code is reachable through the pure function only.
    p = make_pending(w.receivable, w.revenue, 100, timeout=60)
    assert w.ledger.create_transfer(p) == R.OK
    expire_early = Transfer(id=uuid.uuid4(), phase=Phase.EXPIRE_PENDING, pending_id=p.id)
    result = validate_transfer(
        expire_early,
        None,
        w.ledger.accounts,
        balances=w.ledger.balances,
        pending=w.ledger.transfer(p.id),
        now=T0 + timedelta(seconds=59),
        system=True,
    )
    assert result is not None
    return result


SCENARIOS: dict[R, Callable[[World], R]] = {
    R.OK: _single(),
    R.EXISTS: _replayed({}),
    R.LINKED_EVENT_FAILED: _chain_member_failed,
    R.LINKED_EVENT_CHAIN_OPEN: _single(linked=True),
    R.TIMESTAMP_MUST_BE_NONE: _single(timestamp=T0),
    R.ID_MUST_BE_UUID: _single(id="LS-2026-000123"),
    R.ID_MUST_NOT_BE_NIL: _single(id=uuid.UUID(int=0)),
    R.INVALID_PHASE: _single(phase="settled"),
    R.EXPIRE_RESERVED_FOR_LEDGER: _post_of_open_pending(phase=Phase.EXPIRE_PENDING),
    R.INVALID_REFS: _single(refs={"bill": 123}),
    R.INVALID_TIMEOUT: _single(phase=Phase.PENDING, timeout=-1),
    R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER: _single(timeout=60),
    R.PENDING_ID_MUST_BE_NONE: _single(pending_id=uuid.uuid4()),
    R.PENDING_ID_MUST_NOT_BE_NONE: _post_of_open_pending(pending_id=None),
    R.PENDING_ID_MUST_BE_DIFFERENT: lambda w: w.ledger.create_transfer(
        Transfer(id=(same := uuid.uuid4()), phase=Phase.POST_PENDING, pending_id=same)
    ),
    R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_NONE: _single(debit_account_id=None),
    R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_NONE: _single(credit_account_id=None),
    R.ACCOUNTS_MUST_BE_DIFFERENT: lambda w: w.ledger.create_transfer(make_transfer(w.bank, w.bank, 1)),
    R.AMOUNT_MUST_NOT_BE_NONE: _single(amount=None),
    R.AMOUNT_MUST_BE_AN_INTEGER: _single(amount=1.0),
    R.AMOUNT_MUST_BE_POSITIVE: _single(amount=0),
    R.AMOUNT_EXCEEDS_MAXIMUM: _single(amount=MAX_AMOUNT + 1),
    R.LEDGER_MUST_NOT_BE_EMPTY: _single(ledger=""),
    R.INVALID_CURRENCY: _single(currency="rmb"),
    R.CODE_MUST_NOT_BE_EMPTY: _single(code=""),
    R.EXISTS_WITH_DIFFERENT_PHASE: _replayed({"phase": Phase.PENDING}),
    R.EXISTS_WITH_DIFFERENT_LINKED: _replay_with_other_linked,
    R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID: lambda w: _replayed({"debit_account_id": w.bank.id})(w),
    R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID: lambda w: _replayed({"credit_account_id": w.bank.id})(w),
    R.EXISTS_WITH_DIFFERENT_AMOUNT: _replayed({"amount": 101}),
    R.EXISTS_WITH_DIFFERENT_PENDING_ID: _replay_post_with_other_pending,
    R.EXISTS_WITH_DIFFERENT_TIMEOUT: _replayed(
        {"timeout": 61}, lambda w: make_pending(w.receivable, w.revenue, 100, timeout=60)
    ),
    R.EXISTS_WITH_DIFFERENT_LEDGER: _replayed({"ledger": "memo"}),
    R.EXISTS_WITH_DIFFERENT_CURRENCY: _replayed({"currency": "USD"}),
    R.EXISTS_WITH_DIFFERENT_CODE: _replayed({"code": "bill.paid"}),
    R.EXISTS_WITH_DIFFERENT_REFS: _replayed({"refs": {"bill": "B2"}}),
    R.DEBIT_ACCOUNT_NOT_FOUND: _single(debit_account_id=uuid.uuid4()),
    R.CREDIT_ACCOUNT_NOT_FOUND: _single(credit_account_id=uuid.uuid4()),
    R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER: lambda w: _single(credit_account_id=w.memo.id)(w),
    R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS: _single(ledger="memo"),
    R.ACCOUNTS_MUST_HAVE_THE_SAME_CURRENCY: lambda w: _single(credit_account_id=w.usd_a.id)(w),
    R.TRANSFER_MUST_HAVE_THE_SAME_CURRENCY_AS_ACCOUNTS: _single(currency="USD"),
    R.PENDING_TRANSFER_NOT_FOUND: lambda w: w.ledger.create_transfer(
        Transfer(id=uuid.uuid4(), phase=Phase.POST_PENDING, pending_id=uuid.uuid4())
    ),
    R.PENDING_TRANSFER_NOT_PENDING: lambda w: (
        w.ledger.create_transfer(t := make_transfer(w.receivable, w.revenue, 5)),
        w.ledger.create_transfer(make_post(t)),
    )[1],
    R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID: lambda w: _post_of_open_pending(
        debit_account_id=w.bank.id
    )(w),
    R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID: lambda w: _post_of_open_pending(
        credit_account_id=w.bank.id
    )(w),
    R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER: _post_of_open_pending(ledger="memo"),
    R.PENDING_TRANSFER_HAS_DIFFERENT_CURRENCY: _post_of_open_pending(currency="USD"),
    R.PENDING_TRANSFER_HAS_DIFFERENT_CODE: _post_of_open_pending(code="other"),
    R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT: _void_of_open_pending(amount=99),
    R.EXCEEDS_PENDING_TRANSFER_AMOUNT: _post_of_open_pending(amount=101),
    R.PENDING_TRANSFER_ALREADY_POSTED: _post_after(make_post),
    R.PENDING_TRANSFER_ALREADY_VOIDED: _post_after(make_void),
    R.PENDING_TRANSFER_EXPIRED: _post_after(None, wait=60),
    R.PENDING_TRANSFER_NOT_EXPIRED: _expiry_before_deadline,
    R.EXCEEDS_CREDITS: lambda w: w.ledger.create_transfer(make_transfer(w.refunds, w.clearing, 1)),
    R.EXCEEDS_DEBITS: lambda w: w.ledger.create_transfer(make_transfer(w.clearing, w.bill, 1)),
}


@pytest.mark.parametrize("code", list(SCENARIOS), ids=[c.value for c in SCENARIOS])
def test_every_result_code_has_an_example(code: R) -> None:
    w = World()
    assert SCENARIOS[code](w) == code
    assert w.ledger.check() == []


def test_scenario_table_covers_every_result_code() -> None:
    assert set(SCENARIOS) == set(TransferResult)


@pytest.mark.parametrize("amount", [1.0, 100.5, Decimal("100"), Decimal("0.01"), True, False, "100", b"1"])
def test_amount_must_be_a_plain_int(amount: object) -> None:
    w = World()
    before = w.snapshot()
    assert (
        w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, amount))
        == R.AMOUNT_MUST_BE_AN_INTEGER
    )
    assert w.snapshot() == before


@pytest.mark.parametrize("amount", [0, -1, -(2**70)])
def test_amount_must_be_positive(amount: int) -> None:
    w = World()
    assert (
        w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, amount)) == R.AMOUNT_MUST_BE_POSITIVE
    )


def test_amount_bounds_are_inclusive() -> None:
    w = World()
    assert w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, 1)) == R.OK
    assert w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, MAX_AMOUNT)) == R.OK


@pytest.mark.parametrize("currency", [None, "", "cny", "CN", "CNYY", "¥", 156])
def test_currency_must_look_like_iso_4217(currency: object) -> None:
    w = World()
    assert (
        w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, 1, currency=currency))
        == R.INVALID_CURRENCY
    )


@pytest.mark.parametrize("timeout", [-1, MAX_TIMEOUT + 1, 1.5, True])
def test_timeout_must_be_whole_seconds_in_range(timeout: object) -> None:
    w = World()
    t = make_pending(w.receivable, w.revenue, 1, timeout=timeout)
    assert w.ledger.create_transfer(t) == R.INVALID_TIMEOUT


@pytest.mark.parametrize("refs", [{"": "x"}, {"bill": None}, {1: "x"}, ["bill"], "bill"])
def test_refs_must_map_names_to_strings(refs: object) -> None:
    w = World()
    assert w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, 1, refs=refs)) == R.INVALID_REFS


def test_account_ids_of_the_wrong_type_are_not_found_rather_than_a_crash() -> None:
    w = World()
    assert w.ledger.create_transfer(make_transfer(w.receivable, w.revenue, 1, debit_account_id=["x"])) == (
        R.DEBIT_ACCOUNT_NOT_FOUND
    )
    assert w.ledger.create_transfer(
        make_transfer(w.receivable, w.revenue, 1, credit_account_id=str(w.revenue.id))
    ) == (R.CREDIT_ACCOUNT_NOT_FOUND)


def test_every_result_code_value_is_its_lowercase_name() -> None:
    # The values are the stable API; this catches a typo'd value when a member is added.
    for member in [*TransferResult, *AccountResult]:
        assert member.value == member.name.lower()


def test_account_type_is_frozen() -> None:
    account = make_account("x")
    with pytest.raises(AttributeError):
        account.code = "y"  # type: ignore[misc]
    assert isinstance(account, Account)
