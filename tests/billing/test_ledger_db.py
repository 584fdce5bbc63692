"""The database-backed ledger against the pure reference ledger (``smartgov.ledger.core.Ledger``).

Every sequence of batches, replays, mutated replays, passing time and expiries is run through both;
they must give the same result codes and the same balances, the stored balances must equal the fold
of the stored transfers, debits must equal credits, and replaying a batch that succeeded must answer
``exists`` for each transfer and change nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartgov.billing import chart, selectors
from smartgov.billing.models import LedgerAccount, LedgerTransfer
from smartgov.billing.services import ledger as db
from smartgov.kit import clock
from smartgov.ledger import Ledger, PendingState, Phase, Side, Transfer, TransferResult, balances_from
from smartgov.tenancy.context import tenant_context
from tests.builders import make_tenant
from tests.ledger import FakeClock
from tests.ledger.test_core_properties import ACCOUNTS, mutate, plausible_transfer, wild_transfer

pytestmark = pytest.mark.django_db
R = TransferResult


def _install_accounts(tenant):
    now = clock.now()
    LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(
                id=a.id,
                tenant=tenant,
                code=a.code,
                ledger=a.ledger,
                currency=a.currency,
                normal=a.normal.value,
                debits_must_not_exceed_credits=a.debits_must_not_exceed_credits,
                credits_must_not_exceed_debits=a.credits_must_not_exceed_debits,
                created_at=now,
            )
            for a in ACCOUNTS
        ]
    )


def _db_balances(tenant):
    return {
        a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in LedgerAccount.objects.filter(tenant=tenant)
        if (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) != (0, 0, 0, 0)
    }


def _ref_balances(ledger):
    return {
        k: (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted)
        for k, b in ledger.balances.items()
        if (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted) != (0, 0, 0, 0)
    }


@pytest.fixture
def tenant():
    return make_tenant()


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(data=st.data())
def test_db_ledger_matches_the_reference_ledger(tenant, data):
    _run_against_reference(tenant, data, max_batch=5, max_steps=8)


@SETTINGS
@given(data=st.data())
def test_lone_transfers_match_the_reference_ledger(tenant, data):
    """Batches of one: on PostgreSQL most go through the one-statement path (billing.services.ledger.single),
    replays, reused ids, refusals and constrained accounts through the general one."""
    _run_against_reference(tenant, data, max_batch=1, max_steps=16)


@SETTINGS
@given(data=st.data())
def test_batches_decided_in_chunks_match_the_reference_ledger(tenant, data):
    """On PostgreSQL a batch is first decided and sent in chunks (billing.services.ledger.streamed);
    chunks of two make most batches cross a chunk border, and a replay or refusal in a later chunk
    must take back what the earlier chunks sent."""
    from unittest import mock

    from smartgov.billing.services.ledger import streamed

    with mock.patch.object(streamed, "CHUNK", 2):
        _run_against_reference(tenant, data, max_batch=7, max_steps=8)


def _run_against_reference(tenant, data, *, max_batch, max_steps):
    with tenant_context(tenant), transaction.atomic():
        _install_accounts(tenant)
        fake = FakeClock()
        ref = Ledger(clock=fake)
        assert all(r == "ok" for r in ref.create_accounts(ACCOUNTS))
        submitted: list[Transfer] = []
        pendings: list[uuid.UUID] = []
        good: list[list[Transfer]] = []
        for _step in range(data.draw(st.integers(1, max_steps), label="steps")):
            action = data.draw(st.sampled_from(["batch", "batch", "batch", "replay", "time", "expire"]))
            if action == "time":
                fake.advance(data.draw(st.integers(0, 90)))
                continue
            if action == "expire":
                with clock.frozen_at(fake.now):
                    got = db.expire_pending(tenant, fake.now)
                assert sorted(got) == sorted(e.pending_id for e in ref.expire(fake.now))
                continue
            if action == "replay":
                if not good:
                    continue
                batch = data.draw(st.sampled_from(good))
                before = (_db_balances(tenant), LedgerTransfer.objects.filter(tenant=tenant).count())
                fake.advance(1)
                with clock.frozen_at(fake.now):
                    assert db.create_transfers(tenant, batch) == [R.EXISTS] * len(batch)
                assert ref.create_transfers(batch) == [R.EXISTS] * len(batch)
                assert (_db_balances(tenant), LedgerTransfer.objects.filter(tenant=tenant).count()) == before
                continue
            batch: list[Transfer] = []
            for _ in range(data.draw(st.integers(1, max_batch), label="size")):
                kind = data.draw(st.sampled_from(["new"] * 3 + ["replay", "mutant"] * bool(submitted)))
                if kind == "replay":
                    batch.append(data.draw(st.sampled_from(submitted)))
                elif kind == "mutant":
                    batch.append(mutate(data.draw, data.draw(st.sampled_from(submitted))))
                else:
                    open_pendings = [p for p in pendings if ref.pending_state(p) is PendingState.PENDING]
                    batch.append(
                        data.draw(
                            st.one_of(
                                plausible_transfer(open_pendings),
                                plausible_transfer(open_pendings),
                                wild_transfer(pendings),
                            )
                        )
                    )
            with clock.frozen_at(fake.now):
                got = db.create_transfers(tenant, batch)
            want = ref.create_transfers(batch)
            assert got == want, batch
            submitted += batch
            pendings += [t.id for t, r in zip(batch, want, strict=True) if r is R.OK and t.phase is Phase.PENDING]
            if all(r.succeeded for r in want):
                good.append(batch)
            assert _db_balances(tenant) == _ref_balances(ref)
        # The stored log folds to the stored balances, and verify agrees the books are sound.
        stored = [db.to_transfer(t) for t in LedgerTransfer.objects.filter(tenant=tenant).order_by("seq")]
        assert [t.id for t in stored] == [t.id for t in ref.transfers]
        folded = {
            k: (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted)
            for k, b in balances_from(stored).items()
            if (b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted) != (0, 0, 0, 0)
        }
        assert folded == _db_balances(tenant)
        assert selectors.verify(tenant) == []
        transaction.set_rollback(True)


def test_verify_names_a_tampered_balance_and_a_double_posting(tenant):
    with tenant_context(tenant):
        accounts = db.ensure_accounts(tenant, [chart.receivable("water"), chart.revenue("water")])
        receivable, revenue = accounts["receivable:water"], accounts["revenue:water"]
        t = Transfer(
            id=uuid.uuid4(),
            debit_account_id=receivable.pk,
            credit_account_id=revenue.pk,
            amount=500,
            ledger="billing",
            currency="CNY",
            code="bill.issued",
        )
        assert db.create_transfers(tenant, [t]) == [R.OK]
        assert selectors.verify(tenant) == []
        LedgerAccount.objects.filter(pk=receivable.pk).update(debits_posted=499)
        problems = [str(p) for p in selectors.verify(tenant)]
        assert any(p.startswith("balance_mismatch") and "receivable:water" in p for p in problems)
        assert any(p.startswith("debits_not_equal_credits") for p in problems)


def _water_bill_transfer(tenant):
    """A 5-yuan water bill's issue transfer between the tenant's (created) water accounts."""
    accounts = db.ensure_accounts(tenant, [chart.receivable("water"), chart.revenue("water")])
    return Transfer(
        id=uuid.uuid4(),
        debit_account_id=accounts["receivable:water"].pk,
        credit_account_id=accounts["revenue:water"].pk,
        amount=500,
        ledger="billing",
        currency="CNY",
        code="bill.issued",
    )


def test_same_id_other_fields_is_an_error_not_a_second_transfer(tenant):
    with tenant_context(tenant):
        t = _water_bill_transfer(tenant)
        assert db.create_transfers(tenant, [t, t]) == [R.OK, R.EXISTS]
        from dataclasses import replace

        assert db.create_transfers(tenant, [replace(t, amount=501)]) == [R.EXISTS_WITH_DIFFERENT_AMOUNT]
        assert LedgerTransfer.objects.filter(tenant=tenant).count() == 1
        with pytest.raises(db.LedgerRefused):
            db.post(tenant, [replace(t, code="other")])


def test_two_phase_and_expiry_in_the_database(tenant):
    with tenant_context(tenant):
        accounts = db.ensure_accounts(tenant, [chart.clearing("alipay"), chart.refunds_payable()])
        clearing, payable = accounts["clearing:alipay"], accounts["refunds_payable"]
        fund = Transfer(
            id=uuid.uuid4(),
            debit_account_id=clearing.pk,
            credit_account_id=payable.pk,
            amount=1000,
            ledger="billing",
            currency="CNY",
            code="x",
        )
        hold = Transfer(
            id=uuid.uuid4(),
            debit_account_id=payable.pk,
            credit_account_id=clearing.pk,
            amount=800,
            ledger="billing",
            currency="CNY",
            code="x",
            phase=Phase.PENDING,
            timeout=60,
        )
        assert db.create_transfers(tenant, [fund, hold]) == [R.OK, R.OK]
        # The clearing account may not be credited beyond its debits, reservations included.
        over = Transfer(
            id=uuid.uuid4(),
            debit_account_id=payable.pk,
            credit_account_id=clearing.pk,
            amount=300,
            ledger="billing",
            currency="CNY",
            code="x",
            phase=Phase.PENDING,
        )
        assert db.create_transfers(tenant, [over]) == [R.EXCEEDS_DEBITS]
        assert db.expire_pending(tenant, clock.now() + timedelta(seconds=61)) == [hold.id]
        post = Transfer(id=uuid.uuid4(), phase=Phase.POST_PENDING, pending_id=hold.id)
        assert db.create_transfers(tenant, [post]) == [R.PENDING_TRANSFER_EXPIRED]
        clearing.refresh_from_db()
        assert (clearing.credits_pending, clearing.credits_posted) == (0, 0)
        assert selectors.verify(tenant) == []


def test_account_flags_are_immutable(tenant):
    with tenant_context(tenant):
        db.ensure_accounts(tenant, [chart.clearing("alipay")])
        from smartgov.kit.errors import Conflict

        with pytest.raises(Conflict):
            db.ensure_accounts(tenant, [chart.AccountSpec("clearing:alipay", Side.DEBIT)])


def test_a_tenant_with_ledger_transfers_cannot_be_deleted(tenant):
    """The transfer table has no database foreign key to its tenant (it cost posting throughput).
    Django's PROTECT still refuses to delete a tenant whose ledger holds money, and on PostgreSQL
    the ledger head's and accounts' foreign keys refuse a raw DELETE."""
    from django.db import IntegrityError, connection
    from django.db.models import ProtectedError

    with tenant_context(tenant):
        t = _water_bill_transfer(tenant)
        assert db.create_transfers(tenant, [t]) == [R.OK]
        with pytest.raises(ProtectedError) as refused, transaction.atomic():
            tenant.delete()
        assert any(isinstance(o, LedgerTransfer) for o in refused.value.protected_objects)
        if connection.vendor == "postgresql":
            with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("DELETE FROM tenancy_tenant WHERE id = %s", [tenant.pk])
        assert LedgerTransfer.objects.filter(tenant=tenant).count() == 1
