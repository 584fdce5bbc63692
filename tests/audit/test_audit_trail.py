"""Audit events in the database: recorded with the write, append-only, verifiable, tamper-evident."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartgov.audit import selectors
from smartgov.audit.models import AppendOnly, AuditEvent
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_department, make_tenant
from tests.dbtools import db_id, owner_cursor

pytestmark = pytest.mark.django_db


def test_each_write_records_one_event_with_masked_personal_data():
    tenant = make_tenant()
    citizen = make_citizen(tenant, id_number="11010519491231002X")
    with tenant_context(tenant):
        event = AuditEvent.objects.filter(tenant=tenant, action="profile.set").get()
        assert event.object_id == str(citizen.profile.pk)
        assert event.changes["id_number"] == "1101**********002X"
        assert "11010519491231002X" not in str(event.changes)


def test_audit_rows_cannot_be_updated_or_deleted_through_the_app():
    tenant = make_tenant()
    with tenant_context(tenant):
        event = AuditEvent.objects.filter(tenant=tenant).first()
        event.action = "forged"
        with pytest.raises(AppendOnly):
            event.save()
        with pytest.raises(AppendOnly):
            event.delete()
        with pytest.raises(AppendOnly):
            AuditEvent.objects.filter(tenant=tenant).update(action="x")
        with pytest.raises(AppendOnly):
            AuditEvent.objects.filter(tenant=tenant).delete()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    from smartgov.audit.services import Actor, record

    with pytest.raises(RuntimeError):
        record(actor=Actor.system(), tenant=None, action="x")


@pytest.mark.django_db(transaction=True)
def test_verify_passes_then_names_the_edited_event(capsys):
    tenant = make_tenant("verifyme")
    make_department(tenant, "a")
    make_department(tenant, "b")
    call_command("audit", "verify", "--tenant", "verifyme")
    assert "verifyme: intact" in capsys.readouterr().out
    with tenant_context(tenant):
        victim = selectors.events(tenant).order_by("seq")[1]
    with owner_cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = 'department.delete' WHERE id = %s", [db_id(victim.pk)]
        )
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--tenant", "verifyme")
    err = capsys.readouterr().err
    assert str(victim.pk) in err and "edited" in err


@pytest.mark.django_db(transaction=True)
def test_verify_finds_a_deleted_event(capsys):
    tenant = make_tenant("gapped")
    make_department(tenant, "a")
    make_department(tenant, "b")
    with tenant_context(tenant):
        victim = selectors.events(tenant).order_by("seq")[1]
    with owner_cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [db_id(victim.pk)])
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--tenant", "gapped")
    assert "sequence jumps" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_verify_checks_every_chain_and_the_platform_chain(capsys):
    make_tenant("one")
    make_tenant("two")
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "platform: intact" in out and "one: intact" in out and "two: intact" in out


@pytest.mark.django_db(transaction=True)
def test_verify_finds_reordered_events_and_names_the_first(capsys):
    tenant = make_tenant("shuffled")
    for code in ("a", "b", "c"):
        make_department(tenant, code)
    with tenant_context(tenant):
        events = list(selectors.events(tenant).order_by("seq"))
    first, second = events[1], events[2]
    with owner_cursor() as cursor:  # swap their places in the chain, as a DBA could
        cursor.execute("UPDATE audit_auditevent SET seq = 1000000 WHERE id = %s", [db_id(first.pk)])
        cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [first.seq, db_id(second.pk)])
        cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [second.seq, db_id(first.pk)])
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--tenant", "shuffled")
    err = capsys.readouterr().err
    assert f"event {second.pk} (seq {first.seq})" in err


@pytest.mark.django_db(transaction=True)
def test_verify_finds_the_last_event_deleted(capsys):
    tenant = make_tenant("truncated")
    make_department(tenant, "a")
    with tenant_context(tenant):
        last = selectors.events(tenant).order_by("-seq").first()
    with owner_cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [db_id(last.pk)])
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--tenant", "truncated")
    assert "chain head records" in capsys.readouterr().err


def _chain_after(tenant, write):
    """Run ``write`` in a transaction of its own, then verify the tenant's chain."""
    from django.db import transaction

    with tenant_context(tenant), transaction.atomic():
        write()
    with tenant_context(tenant):
        return selectors.verify_chain(tenant)


def test_events_of_one_transaction_read_the_chain_head_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from smartgov.audit.services import Actor, record

    tenant = make_tenant()
    actor = Actor.system()
    with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
        for n in range(3):
            record(actor=actor, tenant=tenant, action=f"test.{n}", object_type="x", object_id=str(n))
    head_reads = [q for q in queries.captured_queries if 'FROM "audit_auditchainhead"' in q["sql"]]
    assert len(head_reads) <= 1  # (none when the test's own transaction wrote an event before)
    assert selectors.verify_chain(tenant) is None


def test_a_rolled_back_savepoint_does_not_leave_the_chain_with_a_gap():
    from django.db import transaction

    from smartgov.audit.services import Actor, record

    tenant = make_tenant()
    actor = Actor.system()

    def write():
        record(actor=actor, tenant=tenant, action="test.kept", object_type="x", object_id="1")
        try:
            with transaction.atomic():
                record(actor=actor, tenant=tenant, action="test.undone", object_type="x", object_id="2")
                raise RuntimeError("undo this savepoint")
        except RuntimeError:
            pass
        record(actor=actor, tenant=tenant, action="test.after", object_type="x", object_id="3")

    assert _chain_after(tenant, write) is None
    with tenant_context(tenant):
        actions = list(AuditEvent.objects.filter(tenant=tenant).order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["test.kept", "test.after"] and "test.undone" not in actions


def test_a_new_transaction_reads_the_head_again_after_a_rollback():
    from django.db import transaction

    from smartgov.audit.services import Actor, record

    tenant = make_tenant()
    actor = Actor.system()
    with tenant_context(tenant):
        try:
            with transaction.atomic():
                record(actor=actor, tenant=tenant, action="test.rolled_back", object_type="x", object_id="1")
                raise RuntimeError("roll the transaction back")
        except RuntimeError:
            pass
    assert _chain_after(tenant, lambda: record(actor=actor, tenant=tenant, action="test.next", object_type="x",
                                               object_id="2")) is None


def test_a_batch_chains_its_events_at_its_end_and_drops_those_rolled_back():
    from django.db import transaction

    from smartgov.audit.services import Actor, batched, record

    tenant = make_tenant()
    actor = Actor.system()

    def write():
        with batched():
            record(actor=actor, tenant=tenant, action="test.first", object_type="x", object_id="1")
            assert not AuditEvent.objects.filter(tenant=tenant, action="test.first").exists()  # not yet
            try:
                with transaction.atomic():
                    record(actor=actor, tenant=tenant, action="test.undone", object_type="x", object_id="2")
                    raise RuntimeError("undo this savepoint")
            except RuntimeError:
                pass
            record(actor=actor, tenant=tenant, action="test.second", object_type="x", object_id="3")

    assert _chain_after(tenant, write) is None
    with tenant_context(tenant):
        actions = list(AuditEvent.objects.filter(tenant=tenant).order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["test.first", "test.second"] and "test.undone" not in actions


def test_a_batch_that_fails_writes_no_events():
    from django.db import transaction

    from smartgov.audit.services import Actor, batched, record

    tenant = make_tenant()
    with tenant_context(tenant):
        before = AuditEvent.objects.filter(tenant=tenant).count()
        try:
            with transaction.atomic(), batched():
                record(actor=Actor.system(), tenant=tenant, action="test.failed", object_type="x", object_id="1")
                raise RuntimeError("the effect failed")
        except RuntimeError:
            pass
        assert AuditEvent.objects.filter(tenant=tenant).count() == before
        assert selectors.verify_chain(tenant) is None


@pytest.mark.parametrize("count", [1, 3])
def test_appended_events_and_the_moved_head_match_exactly(count):
    """The events are inserted and the head moved together (one statement on PostgreSQL): the head
    ends on the last event, and the chain verifies."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from smartgov.audit.models import AuditChainHead
    from smartgov.audit.services import Actor, batched, chain_key, record

    tenant = make_tenant()
    actor = Actor.system()
    with tenant_context(tenant), transaction.atomic(), CaptureQueriesContext(connection) as queries, batched():
        recorded = [record(actor=actor, tenant=tenant, action=f"test.{n}", object_type="x", object_id=str(n))
                    for n in range(count)]
    with tenant_context(tenant):
        head = AuditChainHead.objects.get(chain_key=chain_key(tenant))
        stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in recorded]).order_by("seq"))
        assert selectors.verify_chain(tenant) is None
    assert [(e.pk, e.seq, e.hash) for e in stored] == [(e.pk, e.seq, e.hash) for e in recorded]
    assert (head.last_seq, head.last_hash) == (stored[-1].seq, stored[-1].hash)
    assert all(not e._state.adding for e in recorded)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2), writes
