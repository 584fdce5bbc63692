"""kit.statements: compiled once, run with each call's values, giving what the ORM gives; prepared
on PostgreSQL. Runs on SQLite and on PostgreSQL (as the app role, under row-level security)."""

from __future__ import annotations

import warnings
from datetime import UTC, date
from uuid import UUID

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartgov.accounts.models import Membership
from smartgov.api.models import IdempotencyRecord
from smartgov.audit.models import AuditEvent
from smartgov.cases.models import Task
from smartgov.catalogue.models import CalendarDay
from smartgov.documents.models import Document
from smartgov.kit import clock, statements
from smartgov.kit.statements import Insert, Query, Update, updating
from smartgov.notices.models import Delivery, Message, PendingNotice
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Department
from tests.builders import make_citizen, make_department, make_member, make_tenant

pytestmark = pytest.mark.django_db

MEMBER = Query(
    lambda tenant, pk: Membership.objects.select_related("user", "department", "profile").filter(
        tenant_id=tenant, pk=pk
    ),
    tenant=UUID,
    pk=UUID,
)
DAYS = Query(
    lambda tenant, since: CalendarDay.objects.filter(tenant_id=tenant, date__gte=since)
    .order_by("date")
    .values_list("date", "is_working_day", "note"),
    tenant=UUID,
    since=date,
)
RENAME = Query(
    lambda tenant, code, name: updating(Department.objects.filter(tenant_id=tenant, code=code), name_en=name),
    tenant=UUID,
    code=str,
    name=str,
)
INSERT_DAY = Insert(CalendarDay)


def _day(tenant, day: date, working: bool, note: str = "") -> CalendarDay:  # type: ignore[no-untyped-def]
    return CalendarDay(tenant=tenant, date=day, is_working_day=working, note=note, created_at=clock.now())


def test_objects_come_back_as_the_orm_gives_them_with_what_was_joined():
    tenant = make_tenant()
    department = make_department(tenant)
    staff = make_member(tenant)
    with tenant_context(tenant):
        Membership.objects.filter(pk=staff.pk).update(department=department)
        orm = Membership.objects.select_related("user", "department", "profile").get(pk=staff.pk)
        for _ in range(3):  # compiled on the first call, bound on the others
            found = MEMBER.first(tenant=tenant.pk, pk=staff.pk)
            assert found is not None
            assert [getattr(found, f.attname) for f in Membership._meta.concrete_fields] == [
                getattr(orm, f.attname) for f in Membership._meta.concrete_fields
            ]
            with CaptureQueriesContext(connection) as joined:
                assert (found.user.email, found.department.code) == (orm.user.email, department.code)
            assert len(joined) == 0  # select_related: nothing read again
            assert not found._state.adding


def test_a_reverse_one_to_one_joined_is_there_or_known_missing():
    tenant = make_tenant()
    citizen, staff = make_citizen(tenant), make_member(tenant)
    with tenant_context(tenant):
        assert MEMBER.first(tenant=tenant.pk, pk=citizen.pk).profile.membership_id == citizen.pk
        found = MEMBER.first(tenant=tenant.pk, pk=staff.pk)
        with CaptureQueriesContext(connection) as asked:
            assert not hasattr(found, "profile")  # a staff member has none, and that is known
        assert len(asked) == 0


def test_each_call_binds_its_own_values_and_another_tenant_sees_nothing():
    a, b = make_tenant(), make_tenant()
    member_a, member_b = make_citizen(a), make_citizen(b)
    with tenant_context(a):
        assert MEMBER.first(tenant=a.pk, pk=member_a.pk).pk == member_a.pk
        assert MEMBER.first(tenant=a.pk, pk=member_b.pk) is None  # b's member, asked for in a
        assert MEMBER.first(tenant=a.pk, pk=str(member_a.pk)).pk == member_a.pk  # a UUID's text
    with tenant_context(b):
        assert MEMBER.first(tenant=b.pk, pk=member_b.pk).pk == member_b.pk
    with pytest.raises(ValueError):
        MEMBER.first(tenant=a.pk, pk="not-a-uuid")


def test_rows_are_converted_as_the_orm_converts_them():
    tenant = make_tenant()
    with tenant_context(tenant), transaction.atomic():
        INSERT_DAY(_day(tenant, date(2026, 10, 1), False, "国庆节"), _day(tenant, date(2026, 10, 10), True, "调休"))
        INSERT_DAY(_day(tenant, date(2025, 1, 1), False))
        rows = DAYS.rows(tenant=tenant.pk, since=date(2026, 1, 1))
        orm = list(
            CalendarDay.objects.filter(tenant=tenant, date__gte=date(2026, 1, 1))
            .order_by("date")
            .values_list("date", "is_working_day", "note")
        )
    assert rows == orm == [(date(2026, 10, 1), False, "国庆节"), (date(2026, 10, 10), True, "调休")]
    assert type(rows[0][1]) is bool  # SQLite gives 0 and 1: converted


def test_an_insert_is_as_save_leaves_it_and_constraints_still_hold():
    tenant = make_tenant()
    with tenant_context(tenant), transaction.atomic():
        day = _day(tenant, date(2026, 5, 1), False, "劳动节")
        assert INSERT_DAY(day) == 1
        assert not day._state.adding
        assert CalendarDay.objects.get(pk=day.pk).note == "劳动节"
        with pytest.raises(IntegrityError), transaction.atomic():
            INSERT_DAY(_day(tenant, date(2026, 5, 1), True))  # one row per tenant and day


def test_an_insert_that_skips_conflicts_says_so():
    tenant = make_tenant()
    skipping = Insert(CalendarDay, suffix="ON CONFLICT DO NOTHING")
    with tenant_context(tenant), transaction.atomic():
        assert skipping(_day(tenant, date(2026, 6, 1), False)) == 1
        assert skipping(_day(tenant, date(2026, 6, 1), True)) == 0
        assert CalendarDay.objects.get(tenant=tenant, date=date(2026, 6, 1)).is_working_day is False


def test_updates_change_what_they_name():
    tenant = make_tenant()
    department = make_department(tenant, "water")
    with tenant_context(tenant), transaction.atomic():
        assert RENAME.update(tenant=tenant.pk, code="water", name="Water utility") == 1
        assert RENAME.update(tenant=tenant.pk, code="no-such", name="x") == 0
        department.refresh_from_db()
        assert department.name_en == "Water utility"
        department.name_zh, department.name_en = "水务集团", "Water group"
        assert Update(Department, "name_zh")(department) == 1
        department.refresh_from_db()
        assert (department.name_zh, department.name_en) == ("水务集团", "Water utility")  # only the field named


def test_a_delete_takes_only_its_rows():
    tenant = make_tenant()
    gone = Query(lambda tenant, day: CalendarDay.objects.filter(tenant_id=tenant, date=day), tenant=UUID, day=date)
    with tenant_context(tenant), transaction.atomic():
        INSERT_DAY(_day(tenant, date(2026, 2, 1), True), _day(tenant, date(2026, 2, 2), True))
        assert gone.delete(tenant=tenant.pk, day=date(2026, 2, 1)) == 1
        assert list(CalendarDay.objects.filter(tenant=tenant).values_list("date", flat=True)) == [date(2026, 2, 2)]


def test_a_parameter_the_orm_does_not_pass_as_is_is_refused_at_compile_time():
    tenant = make_tenant()
    prefix = Query(lambda tenant, code: Department.objects.filter(tenant_id=tenant, code__startswith=code),
                   tenant=UUID, code=str)
    with tenant_context(tenant), pytest.raises(ValueError, match=r"transformed|code is not a plain parameter"):
        prefix.first(tenant=tenant.pk, code="wat")
    with pytest.raises(TypeError, match="kind"):
        Query(lambda tenant: Department.objects.filter(tenant_id=tenant), tenant=float)


def test_a_value_worked_out_in_python_from_a_parameter_is_refused():
    """``days > 0`` is computed from the stand-in when the query is built: a constant of the
    statement. The compiler refuses the parameter rather than bind a stale value on every call."""
    tenant = make_tenant()
    moved = Query(
        lambda tenant, day, days: updating(
            CalendarDay.objects.filter(tenant_id=tenant, date=day), is_working_day=days > 0
        ),
        tenant=UUID,
        day=date,
        days=int,
    )
    with tenant_context(tenant), transaction.atomic(), pytest.raises(ValueError, match="days is not a plain"):
        moved.update(tenant=tenant.pk, day=date(2026, 3, 1), days=0)


@pytest.mark.postgres
def test_on_postgresql_statements_are_prepared_once_per_connection():
    tenant = make_tenant()
    member = make_citizen(tenant)
    with tenant_context(tenant):
        for _ in range(3):
            MEMBER.first(tenant=tenant.pk, pk=member.pk)
        with statements.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           ['%FROM "accounts_membership"%'])
            (prepared,) = cursor.fetchone()
    assert prepared == 1


@pytest.mark.postgres
def test_a_rollback_forgets_what_was_prepared_and_the_next_call_prepares_again():
    tenant = make_tenant()
    member = make_citizen(tenant)
    with tenant_context(tenant):
        MEMBER.first(tenant=tenant.pk, pk=member.pk)
        with pytest.raises(IntegrityError), transaction.atomic():
            INSERT_DAY(_day(tenant, date(2026, 7, 1), True), _day(tenant, date(2026, 7, 1), True))
        assert MEMBER.first(tenant=tenant.pk, pk=member.pk).pk == member.pk


def test_a_model_with_receivers_on_its_saves_is_refused():
    from smartgov.tenancy.models import Tenant

    with pytest.raises(TypeError, match="receivers"):  # the tenancy app forgets a saved tenant's cache entry
        Insert(Tenant)(Tenant(slug="refused"))


def test_a_parameter_also_used_transformed_is_refused():
    """Found once as it is, it would pass a check that looks for each name once; compiled a second
    time with other stand-ins, the transformed use shows, and the query is refused rather than
    binding the stand-in for ever."""
    tenant = make_tenant()
    either = Query(
        lambda tenant, word: Department.objects.filter(tenant_id=tenant)
        .filter(Q(code=word) | Q(name_en__startswith=word))
        .values_list("code"),
        tenant=UUID,
        word=str,
    )
    with tenant_context(tenant), pytest.raises(ValueError, match="transformed"):
        either.rows(tenant=tenant.pk, word="water")


def test_a_case_insensitive_match_is_refused_or_exact_as_the_orm():
    """SQLite's iexact escapes the value for LIKE, so a compiled statement binding it unescaped
    would let ``_`` match any character: refused there. PostgreSQL compares UPPER() of both: exact."""
    tenant = make_tenant()
    make_department(tenant, "water-1")
    folded = Query(
        lambda tenant, code: Department.objects.filter(tenant_id=tenant, code__iexact=code).values_list("code"),
        tenant=UUID,
        code=str,
    )
    with tenant_context(tenant):
        orm = list(Department.objects.filter(tenant=tenant, code__iexact="WATER_1").values_list("code"))
        try:
            compiled = folded.rows(tenant=tenant.pk, code="WATER_1")
        except ValueError:
            assert connection.vendor == "sqlite"
        else:
            assert compiled == orm == []
            assert folded.rows(tenant=tenant.pk, code="WATER-1") == [("water-1",)]


def test_a_value_of_another_kind_is_refused_not_compared_wrongly():
    tenant = make_tenant()
    with tenant_context(tenant):
        with pytest.raises(TypeError, match="datetime"):
            DAYS.rows(tenant=tenant.pk, since=clock.now())
        with pytest.raises(TypeError, match="NoneType"):
            DAYS.rows(tenant=tenant.pk, since=None)
        with pytest.raises(TypeError):
            RENAME.update(tenant=tenant.pk, code=7, name="x")
        from django.utils.translation import gettext_lazy

        assert RENAME.update(tenant=tenant.pk, code="none", name=gettext_lazy("Water")) == 0  # lazy text is text


def test_a_field_left_to_its_database_default_is_refused():
    from smartgov.notices.models import Delivery, Message

    tenant = make_tenant()
    citizen = make_citizen(tenant)
    message = Message(tenant=tenant, recipient=citizen, event="x", language="en", created_at=clock.now())
    left = Delivery(tenant=tenant, message=message, channel="email", created_at=clock.now(), updated_at=clock.now())
    with pytest.raises(TypeError, match="next_attempt_at"):  # save() would write DEFAULT; this would send the marker
        Insert(Delivery).statement([left])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_is_replaced_as_djangos_own_cursor_replaces_it():
    connection.ensure_connection()
    connection.connection.close()  # as after a database restart or an idle-connection kill
    connection.health_check_done = False  # a new request
    with statements.cursor() as cursor:
        cursor.execute("SELECT %s::int", [1])
        assert cursor.fetchone() == (1,)



# The values an Insert or Update sends are save()'s, whether a value takes the fast path (already
# the column's type) or goes through the field: compared for models the hot paths write, with
# values of every kind in every field (the wrong kinds too, which must be refused alike).
_VALUE = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(-(2**31), 2**31 - 1),
    st.booleans(),
    st.uuids(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.sampled_from([*Delivery.Status, *Task.Status]),
)


def _outcome(send):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a naive datetime: Django warns, then converts it
            value = send()
    except Exception as exc:  # a value the field refuses
        return type(exc).__name__
    return type(value).__name__, getattr(value, "obj", value)  # a Jsonb by what it carries


@pytest.mark.parametrize("model", [Delivery, Message, Task, Document, IdempotencyRecord, PendingNotice, AuditEvent])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_field_values_are_sent_as_save_sends_them(model, data):
    fields = Insert(model).fields
    obj = model()
    for field in fields:
        if not field.primary_key and data.draw(st.booleans()):
            setattr(obj, field.attname, data.draw(_VALUE))
    for adding in (True, False):
        ours = [
            _outcome(lambda f=f, a=adding: statements._Values([f], connection, adding=a).of(obj, connection)[0])
            for f in fields
        ]
        django = [_outcome(lambda f=f, a=adding: f.get_db_prep_save(f.pre_save(obj, a), connection)) for f in fields]
        assert ours == django
