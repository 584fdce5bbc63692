"""A lone transfer is decided from the accounts this process remembers and, on PostgreSQL, checked and
written in one statement (``billing.services.ledger.single``). Whatever that statement cannot vouch
for (a replay, a changed account, the tenant's first posting) must still get the general path's
exact answer, and parallel writers must still leave one gap-free, balanced log."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter
from dataclasses import replace

import psycopg
import pytest
from django.db import connection

from smartgov.billing import chart, selectors
from smartgov.billing.models import LedgerAccount, LedgerHead, LedgerTransfer
from smartgov.billing.services import ledger as db
from smartgov.kit.memo import clear_all
from smartgov.ledger import MAX_AMOUNT, Phase, Transfer, TransferResult, balances_from
from smartgov.tenancy.context import tenant_context
from tests.builders import make_tenant

R = TransferResult


def _accounts(tenant):
    return db.ensure_accounts(
        tenant, [chart.receivable("water"), chart.revenue("water"), chart.clearing("alipay"), chart.refunds_payable()]
    )


def _transfer(debit, credit, amount=100, **fields) -> Transfer:
    values = {"id": uuid.uuid4(), "ledger": "billing", "currency": "CNY", "code": "test"} | fields
    return Transfer(debit_account_id=debit.pk, credit_account_id=credit.pk, amount=amount, **values)


class _Statements:
    """Counts the statements sent through any psycopg cursor (Django's and the ledger's own)."""

    def __init__(self, monkeypatch) -> None:
        self.sent: list[str] = []
        execute = psycopg.Cursor.execute

        def counting(cursor, query, *args, **kwargs):
            self.sent.append(str(query)[:60])
            return execute(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", counting)


def _balances(tenant):
    return {
        a.pk: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in LedgerAccount.objects.filter(tenant=tenant)
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_lone_transfer_is_one_statement_and_stored_as_the_general_path_would(monkeypatch):
    tenant = make_tenant()
    with tenant_context(tenant):
        a = _accounts(tenant)
        first = _transfer(a["receivable:water"], a["revenue:water"], 500)
        assert db.create_transfers(tenant, [first]) == [R.OK]  # the first posting makes the head
        t = _transfer(a["receivable:water"], a["revenue:water"], 300, refs={"bill": "B1"})
        hold = _transfer(a["refunds_payable"], a["receivable:water"], 50, phase=Phase.PENDING, timeout=60)
        statements = _Statements(monkeypatch)
        assert db.create_transfers(tenant, [t]) == [R.OK]
        assert db.create_transfers(tenant, [hold]) == [R.OK]
        assert len(statements.sent) == 2, statements.sent
        rows = list(LedgerTransfer.objects.filter(tenant=tenant).order_by("seq"))
        assert [(r.id, r.seq) for r in rows] == [(first.id, 1), (t.id, 2), (hold.id, 3)]
        assert rows[0].timestamp < rows[1].timestamp < rows[2].timestamp
        assert db.to_transfer(rows[1]) == replace(t, timestamp=rows[1].timestamp)
        assert db.to_transfer(rows[2]) == replace(hold, timestamp=rows[2].timestamp)
        head = LedgerHead.objects.get(tenant=tenant)
        assert (head.last_seq, head.last_timestamp) == (3, rows[2].timestamp)
        assert _balances(tenant)[a["receivable:water"].pk] == (0, 800, 50, 0)
        assert _balances(tenant)[a["revenue:water"].pk] == (0, 0, 0, 800)
        assert _balances(tenant)[a["refunds_payable"].pk] == (50, 0, 0, 0)
        assert selectors.verify(tenant) == []


@pytest.mark.django_db
def test_replays_and_reused_ids_get_the_exact_answer_and_change_nothing():
    tenant = make_tenant()
    with tenant_context(tenant):
        a = _accounts(tenant)
        first = _transfer(a["receivable:water"], a["revenue:water"], 500)
        t = _transfer(a["receivable:water"], a["revenue:water"], 300)
        assert db.create_transfers(tenant, [first]) == [R.OK]
        assert db.create_transfers(tenant, [t]) == [R.OK]
        before = (_balances(tenant), LedgerHead.objects.get(tenant=tenant).last_seq)
        assert db.create_transfers(tenant, [t]) == [R.EXISTS]
        assert db.create_transfers(tenant, [replace(t, amount=301)]) == [R.EXISTS_WITH_DIFFERENT_AMOUNT]
        assert db.create_transfers(tenant, [replace(t, phase=Phase.PENDING)]) == [R.EXISTS_WITH_DIFFERENT_PHASE]
        assert db.create_transfers(tenant, [replace(t, amount=0)]) == [R.AMOUNT_MUST_BE_POSITIVE]
        assert (_balances(tenant), LedgerHead.objects.get(tenant=tenant).last_seq) == before
        assert LedgerTransfer.objects.filter(tenant=tenant).count() == 2
        assert selectors.verify(tenant) == []


@pytest.mark.django_db
def test_a_remembered_account_is_checked_against_its_row():
    """The process remembers receivable:water without a constraint; its row says otherwise (tampered
    by hand here: accounts are immutable). The posting must follow the row, not the memory."""
    tenant = make_tenant()
    with tenant_context(tenant):
        a = _accounts(tenant)
        receivable, revenue = a["receivable:water"], a["revenue:water"]
        assert db.create_transfers(tenant, [_transfer(revenue, receivable, 100)]) == [R.OK]
        LedgerAccount.objects.filter(pk=receivable.pk).update(debits_must_not_exceed_credits=True)
        too_much = _transfer(receivable, revenue, 101)
        assert db.create_transfers(tenant, [too_much]) == [R.EXCEEDS_CREDITS]
        assert not LedgerTransfer.objects.filter(pk=too_much.id).exists()
        assert db.create_transfers(tenant, [_transfer(receivable, revenue, 100)]) == [R.OK]
        # An account this process has never seen (or has forgotten) is read, then remembered.
        clear_all()
        assert db.create_transfers(tenant, [_transfer(revenue, receivable, 7)]) == [R.OK]
        assert selectors.verify(tenant) == []


@pytest.mark.django_db
def test_an_account_of_another_tenant_is_not_found_even_when_remembered():
    tenant, other = make_tenant(), make_tenant()
    with tenant_context(other):
        theirs = _accounts(other)["revenue:water"]
    with tenant_context(tenant):
        mine = _accounts(tenant)["receivable:water"]
        assert db.create_transfers(tenant, [_transfer(mine, theirs, 100)]) == [R.CREDIT_ACCOUNT_NOT_FOUND]
        assert not LedgerTransfer.objects.filter(tenant=tenant).exists()


@pytest.mark.django_db
def test_a_balance_past_64_bits_raises_and_writes_nothing():
    tenant = make_tenant()
    with tenant_context(tenant):
        a = _accounts(tenant)
        receivable, revenue = a["receivable:water"], a["revenue:water"]
        assert db.create_transfers(tenant, [_transfer(receivable, revenue, 100)]) == [R.OK]
        LedgerAccount.objects.filter(pk=receivable.pk).update(debits_posted=MAX_AMOUNT - 50)
    last = _transfer(receivable, revenue, 100)
    with pytest.raises(db.BalanceOverflow), tenant_context(tenant):
        db.create_transfers(tenant, [last])
    with tenant_context(tenant):
        assert not LedgerTransfer.objects.filter(pk=last.id).exists()


THREADS = 6


def _run_parallel(fn):
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # inspected by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_lone_transfers_leave_one_gap_free_balanced_log():
    """Payments (one statement each) race refund payouts (the general path: the clearing account may
    not be credited beyond its debits) and a shared id that every thread posts."""
    tenant = make_tenant()
    with tenant_context(tenant):
        a = _accounts(tenant)
        receivable, revenue = a["receivable:water"], a["revenue:water"]
        clearing, payable = a["clearing:alipay"], a["refunds_payable"]
        assert db.create_transfers(tenant, [_transfer(receivable, revenue, 10**6)]) == [R.OK]
    shared = _transfer(clearing, receivable, 5)

    def work(i):
        results = []
        for k in range(12):
            # every third a payout: it may be refused, never overdraw the clearing account
            t = _transfer(payable, clearing, 40) if k % 3 == 2 else _transfer(clearing, receivable, 10 + i)
            with tenant_context(tenant):
                results.append(("own", db.create_transfers(tenant, [t])[0]))
            with tenant_context(tenant):
                results.append(("shared", db.create_transfers(tenant, [shared])[0]))
        return results

    outcomes = _run_parallel(work)
    for o in outcomes:
        if isinstance(o, Exception):
            raise o
    counts = Counter(r for o in outcomes for r in o)
    assert counts[("shared", R.OK)] == 1
    assert counts[("shared", R.EXISTS)] == THREADS * 12 - 1
    assert set(counts) <= {("shared", R.OK), ("shared", R.EXISTS), ("own", R.OK), ("own", R.EXCEEDS_DEBITS)}
    with tenant_context(tenant):
        rows = list(LedgerTransfer.objects.filter(tenant=tenant).order_by("seq"))
        assert len(rows) == 1 + 1 + counts[("own", R.OK)]
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert all(x.timestamp < y.timestamp for x, y in itertools.pairwise(rows))
        assert LedgerHead.objects.get(tenant=tenant).last_seq == len(rows)
        folded = balances_from([db.to_transfer(r) for r in rows])
        stored = _balances(tenant)
        for account_id, b in folded.items():
            assert stored[account_id] == (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted)
        _dp, dq, cp, cq = stored[clearing.pk]
        assert cp + cq <= dq  # the constraint held under the race
        assert selectors.verify(tenant) == []
