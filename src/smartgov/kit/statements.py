"""Statements for the hot paths: SQL the ORM writes once per process and database, run again with
each call's values, and on PostgreSQL prepared on the server.

Every ORM call compiles its query again (the joins, the column list, the WHERE tree, each value's
conversion) and builds its results field by field; with Django's client-side binding PostgreSQL
then parses and plans the statement again. A submission runs some twenty statements, and that was
most of its CPU in both processes. Here the ORM still writes the SQL, from the same models and
querysets as everywhere else, but once; a call binds its values and runs the statement through
Django's cursor (its error translation, the test suite's query capture, the metrics' counting).
On PostgreSQL that cursor binds parameters on the server and prepares each statement once per
connection, so the server skips parsing and planning too.

- ``Insert(Model)(obj, ...)``: insert model instances (their primary key set, as ``uuid7`` ids are).
- ``Query(build, name=kind, ...)``: a queryset made by ``build`` from named parameters, run with
  ``.objects(**values)`` (model instances, ``select_related`` included), ``.rows(**values)``
  (``values_list`` rows), ``.update(**values)`` or ``.delete(**values)``.

Prepared statements and schema changes: PostgreSQL refuses to run a prepared statement whose result
columns changed type since it was prepared ("cached plan must not change result type"). Statements
here name their columns, so a migration that adds columns does not touch them; one that changes a
selected column's type needs the web processes restarted after it (docs/operations.md). Should one
run anyway, the request fails, and its connection is replaced when the request ends (psycopg
forgets prepared statements on a rollback, but a statement in autocommit rolls nothing back), so
the failure lasts one request per connection. Behind PgBouncer, transaction pooling needs PgBouncer
1.22 or later (psycopg sends ``DEALLOCATE ALL`` after a rollback) with ``max_prepared_statements``
set, and psycopg built on libpq 17 or later (the binary wheel is).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import DeleteQuery, UpdateQuery
from django.utils.functional import Promise

M = TypeVar("M", bound=Model)

_cursor_classes: dict[str, type] = {}


def _preparing_cursor_class() -> type:
    """Django's server-binding psycopg cursor, preparing every statement it runs."""
    found = _cursor_classes.get("postgresql")
    if found is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):
            def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kw: Any) -> Any:
                return super().execute(  # type: ignore[misc]
                    query, params, prepare=True if prepare is None else prepare, **kw
                )

        found = _cursor_classes["postgresql"] = PreparingCursor
    return found


@contextmanager
def cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """Django's cursor; on PostgreSQL one that binds parameters on the server and prepares what it
    runs. It is the connection's one such cursor: read a statement's results before running another."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as found:
            yield found
        return
    connection.close_if_health_check_failed()  # as Django's cursor() does: a dead connection is replaced
    connection.ensure_connection()
    connection.validate_thread_sharing()
    # One psycopg cursor per connection, kept for its next statement (a new one copies the
    # connection's adapters each time); a reconnect gets a new one.
    raw = connection.__dict__.get(_KEPT)
    if raw is None or raw.connection is not connection.connection or raw.closed:
        raw = connection.__dict__[_KEPT] = _preparing_cursor_class()(connection.connection)
    try:
        yield _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    except NotSupportedError as exc:
        if "cached plan must not change result type" in str(exc):
            # A migration changed a column this connection's prepared statements read. psycopg
            # forgets them on a rollback, but a statement in autocommit rolls nothing back: have the
            # connection replaced when the request ends.
            connection.close_at = time.monotonic()
        raise


_KEPT = "smartgov_preparing_cursor"


class _LoggedCursor(CursorDebugWrapper):
    """Query logging (DEBUG, the tests' query capture) of a preparing cursor: psycopg keeps no text
    of a prepared statement's run, so the statement is logged with its values written in, as
    Django logs its own."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except Exception:  # a value the client-side composer cannot write: log the template
            shown = sql
        with self.debug_sql(shown):
            return CursorWrapper.execute(self, sql, params)


# --- inserts ------------------------------------------------------------------------------------


class Insert(Generic[M]):
    """``INSERT`` of one model's instances, one statement per call (``suffix``, such as ``ON CONFLICT
    DO NOTHING``, ends it). Fields get their values as ``Model.save()`` gives them (``pre_save``,
    then ``get_db_prep_save``); no signals are sent, so a model with receivers on its saves must not
    be inserted here."""

    def __init__(self, model: type[M], suffix: str = "") -> None:
        self.model, self.suffix = model, suffix
        self.fields = [f for f in model._meta.local_concrete_fields if f.generated is False]
        self._sql: dict[tuple[str, int], str] = {}
        self._values: dict[str, _Values] = {}

    def _compile(self, connection: Any, rows: int) -> str:
        if pre_save.has_listeners(self.model) or post_save.has_listeners(self.model):
            raise TypeError(f"{self.model.__name__} has receivers on its saves: insert it with save()")
        # Several rows as VALUES lists, not Django's one-array-per-column UNNEST: for the few rows a
        # request inserts, arrays cost more in psycopg's dumpers (3 audit rows: 432 against 268 µs
        # of Python) and on the server (213 against 173 µs).
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(str(f.column)) for f in self.fields)
        one = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * rows)} {self.suffix}".rstrip()  # noqa: S608
        self._sql[(connection.vendor, rows)] = sql
        return sql

    def statement(self, objs: tuple[M, ...] | list[M], using: str = DEFAULT_DB_ALIAS) -> tuple[str, list[Any]]:
        """The statement and its values, for a caller that runs it inside a statement of its own."""
        connection = connections[using]
        sql = self._sql.get((connection.vendor, len(objs))) or self._compile(connection, len(objs))
        values = self._values.get(connection.vendor) or self._values.setdefault(
            connection.vendor, _Values(self.fields, connection, adding=True)
        )
        params = []
        for obj in objs:
            if obj.pk is None:
                raise ValueError(f"{self.model.__name__} needs its primary key before Insert")
            row = values.of(obj, connection)
            for field, value in zip(self.fields, row, strict=True):
                if hasattr(value, "as_sql"):  # DatabaseDefault and other expressions: save() writes SQL
                    raise TypeError(f"{self.model.__name__}.{field.name}: set a value to insert it here")
            params += row
        return sql, params

    def __call__(self, *objs: M, using: str = DEFAULT_DB_ALIAS) -> int:
        """Insert ``objs``; the number of rows inserted (fewer when the suffix skips conflicts)."""
        if not objs:
            return 0
        sql, params = self.statement(objs, using)
        with cursor(using) as c:
            c.execute(sql, params)
            inserted = int(c.rowcount)
        saved(objs, using)
        return inserted


# Fields whose value goes to the driver as it is when it already has the column's Python type:
# Django's pre_save returns the attribute and its get_db_prep_save returns it unchanged (exact
# classes only: a subclass may convert). The rest (JSON, decimals, enums, naive datetimes, text on
# SQLite for UUIDs and times) go through the field, as save() sends them. A submission writes some
# 130 field values; through the field each cost about 3 µs.
_AS_IS: dict[type, tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.EmailField: (str,),
    models.BooleanField: (bool,),
}
_AS_IS_BY_VENDOR: dict[str, dict[type, tuple[type, ...]]] = {
    # Not integers: Django sends them as psycopg's Int4, Int8 ..., which fix the parameter's type.
    "postgresql": {
        models.UUIDField: (uuid.UUID,),
        models.DateField: (date,),
        models.DateTimeField: (datetime,),  # aware ones only (checked per value)
    },
    "sqlite": {
        models.IntegerField: (int,),
        models.BigIntegerField: (int,),
        models.SmallIntegerField: (int,),
        models.PositiveIntegerField: (int,),
        models.PositiveBigIntegerField: (int,),
        models.PositiveSmallIntegerField: (int,),
    },
}


def _as_is(field: Any, vendor: str) -> tuple[type, ...]:
    """The Python types ``field``'s values are sent in unchanged (None too where the column takes
    NULL); empty: always through the field."""
    target = field
    if isinstance(field, models.ForeignKey):
        if type(field) not in (models.ForeignKey, models.OneToOneField):
            return ()
        target = field.target_field  # a key's value is its target's (None: NULL)
    if getattr(target, "auto_now", False) or getattr(target, "auto_now_add", False):
        return ()  # pre_save sets the time
    found = _AS_IS.get(type(target)) or _AS_IS_BY_VENDOR.get(vendor, {}).get(type(target))
    if not found:
        return ()
    return (*found, type(None)) if field.null else found


class _Values:
    """A model's field values as ``save()`` sends them: ``field.get_db_prep_save(field.pre_save(obj,
    adding))``, skipped for a value already of a type the field sends unchanged."""

    def __init__(self, fields: list[Any], connection: Any, *, adding: bool) -> None:
        self.adding = adding
        self.plan = [(f, f.attname, _as_is(f, connection.vendor)) for f in fields]

    def of(self, obj: Any, connection: Any) -> list[Any]:
        row = []
        attributes = obj.__dict__
        for field, attname, as_is in self.plan:
            value = attributes.get(attname, _MISSING)
            kind = type(value)
            if kind in as_is and (kind is not datetime or value.tzinfo is not None):
                row.append(value)
            else:
                row.append(field.get_db_prep_save(field.pre_save(obj, self.adding), connection))
        return row


_MISSING = object()  # a deferred field: through the field, which loads it


def saved(objs: Any, using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark instances written by a statement of ours as saved, as ``save()`` leaves them."""
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


class Update(Generic[M]):
    """``obj.save(update_fields=fields)`` in one compiled statement (no signals): rows changed."""

    def __init__(self, model: type[M], *fields: str) -> None:
        self.model = model
        self.fields: list[Any] = [model._meta.get_field(name) for name in fields]
        self._sql: dict[str, str] = {}
        self._values: dict[str, _Values] = {}

    def __call__(self, obj: M, using: str = DEFAULT_DB_ALIAS) -> int:
        connection = connections[using]
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote, meta = connection.ops.quote_name, self.model._meta
            sets = ", ".join(f"{quote(str(f.column))} = %s" for f in self.fields)
            sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(meta.pk.column))} = %s"  # noqa: S608
            self._sql[connection.vendor] = sql
        values = self._values.get(connection.vendor) or self._values.setdefault(
            connection.vendor, _Values(self.fields, connection, adding=False)
        )
        params = values.of(obj, connection)
        params.append(self.model._meta.pk.get_db_prep_value(obj.pk, connection))
        with cursor(using) as c:
            c.execute(sql, params)
            return int(c.rowcount)


# --- compiled querysets ---------------------------------------------------------------------------

_KINDS: dict[type, Callable[[int], Any]] = {
    uuid.UUID: lambda n: uuid.UUID(int=(0x5E7 << 112) | n),
    int: lambda n: 7_300_000_000_000 + n,
    # With the characters a LIKE escapes and upper case: a lookup that escapes or folds the value
    # changes the stand-in, so it is not found as a plain parameter and is refused.
    str: lambda n: f"\x1fStand_in%\\{n}\x1f",
    date: lambda n: date(1901, 1, 1 + n),
    datetime: lambda n: datetime(1901, 1, 1 + n, 1, 2, 3, 456789, tzinfo=UTC),
}


def _conversion(connection: Any, stand_in: Any, param: Any) -> Callable[[Any], Any] | None:
    """How the ORM converted ``stand_in`` into the statement's parameter ``param`` (so a call's value
    is converted the same way), or None when ``param`` is not it."""
    ops = connection.ops
    if type(param) is type(stand_in) and param == stand_in:
        return _same
    if isinstance(stand_in, int) and isinstance(param, int) and param == stand_in:
        return type(param)  # psycopg's Int4 / Int8, which fix the type the server binds
    if isinstance(stand_in, uuid.UUID):
        if param == stand_in.hex:
            return lambda v: v.hex
        if param == str(stand_in):
            return str
    if type(stand_in) is date and param == ops.adapt_datefield_value(stand_in):
        return ops.adapt_datefield_value
    if isinstance(stand_in, datetime) and param == ops.adapt_datetimefield_value(stand_in):
        return ops.adapt_datetimefield_value
    return None


def _same(value: Any) -> Any:
    return value


@dataclass
class _Compiled:
    sql: str
    params: list[Any]  # the constants; the slots below are overwritten per call
    slots: list[tuple[int, str, Callable[[Any], Any]]]  # (position, parameter, conversion)
    converters: dict[int, tuple[list[Any], Any]]
    model_info: tuple[Any, ...] | None  # for .objects(): klass_info, select, init_list, start, end

    def bind(self, values: dict[str, Any], kinds: dict[str, type]) -> list[Any]:
        params = list(self.params)
        for position, name, convert in self.slots:
            params[position] = convert(_coerce(kinds[name], values[name]))
        return params


def _coerce(kind: type, value: Any) -> Any:
    """The value as the parameter's kind, or a refusal: the ORM would have converted it through the
    field, and a statement compiled for one kind would compare another wrongly (a datetime for a
    date, None for ``IS NULL``). A UUID may come as text; a malformed one is a ValueError (callers
    answer 404). A lazy translation is its text."""
    if kind is uuid.UUID and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    if kind is str and isinstance(value, Promise):
        return str(value)
    if kind is date and isinstance(value, datetime):
        raise TypeError("a date parameter was given a datetime")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"a {kind.__name__} parameter was given {type(value).__name__}")
    return value


class Query:
    """A queryset compiled once per database, run with new values. ``build(**stand_ins)`` makes
    it from named parameters, whose kinds (UUID, int, str, date, datetime) are given as keyword
    arguments; compiled with stand-in values, which are then found among the statement's
    parameters. Anything else in the queryset is a constant of the statement.

        member = Query(lambda tenant, pk: Membership.objects.filter(tenant_id=tenant, pk=pk), tenant=UUID, pk=UUID)
        member.objects(tenant=t.pk, pk=member_id)
    """

    def __init__(self, build: Callable[..., Any], **kinds: type) -> None:
        for name, kind in kinds.items():
            if kind not in _KINDS:
                raise TypeError(f"parameter {name}: kind {kind!r} is not one of {list(_KINDS)}")
        self.build, self.kinds = build, kinds
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _stand_ins(self, offset: int = 0) -> dict[str, Any]:
        return {name: _KINDS[kind](offset + i) for i, (name, kind) in enumerate(self.kinds.items())}

    def _compiler(self, using: str, mode: str, stand_ins: dict[str, Any]) -> Any:
        built = self.build(**stand_ins)
        if isinstance(built, QuerySet) and getattr(built, "_prefetch_related_lookups", False):
            raise TypeError("prefetch_related is not run by a compiled query")
        query = built.query if isinstance(built, QuerySet) else built
        if mode == "delete":
            query = query.chain(DeleteQuery)
        return query.get_compiler(using)

    def _compile(self, using: str, mode: str) -> _Compiled:
        connection = connections[using]
        stand_ins = self._stand_ins()
        compiler = self._compiler(using, mode, stand_ins)
        sql, params = compiler.as_sql()
        # Compiled again with other stand-ins: whatever differs then must be one of the slots found
        # below. A parameter used once as it is and once transformed (``code=x | name__startswith=x``),
        # or a value worked out from one in Python, would otherwise keep its stand-in for ever.
        other_sql, other_params = self._compiler(using, mode, self._stand_ins(len(stand_ins))).as_sql()
        if other_sql != sql or len(other_params) != len(params):
            raise ValueError("a parameter changes the statement's text, not only its values")
        slots = []
        found = set()
        for position, param in enumerate(params):
            for name, stand_in in stand_ins.items():
                convert = _conversion(connection, stand_in, param)
                if convert is not None:
                    slots.append((position, name, convert))
                    found.add(name)
                    break
        plain = {position for position, _name, _convert in slots}
        for position, (first, second) in enumerate(zip(params, other_params, strict=True)):
            if position not in plain and not (type(first) is type(second) and first == second):
                raise ValueError(f"a parameter reaches the statement transformed (value {first!r})")
        for name, stand_in in stand_ins.items():
            if name not in found:
                raise ValueError(f"parameter {name} is not a plain parameter of the compiled statement")
            if str(stand_in) in sql or (isinstance(stand_in, uuid.UUID) and stand_in.hex in sql):
                raise ValueError(f"parameter {name} was written into the statement's text")
        converters: dict[int, tuple[list[Any], Any]] = {}
        model_info = None
        if mode == "select":
            columns = [s[0] for s in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            klass_info = compiler.klass_info
            if klass_info is not None and not compiler.annotation_col_map:
                fields = klass_info["select_fields"]
                start, end = fields[0], fields[-1] + 1
                init_list = [s[0].target.attname for s in compiler.select[start:end]]
                model_info = (klass_info, compiler.select, init_list, start, end)
        compiled = _Compiled(sql, list(params), slots, converters, model_info)
        self._compiled[(using, mode)] = compiled
        return compiled

    def _get(self, using: str, mode: str) -> _Compiled:
        return self._compiled.get((using, mode)) or self._compile(using, mode)

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[tuple[Any, ...]]:
        """The rows, each value converted as the ORM converts it (``values_list`` querysets)."""
        compiled = self._get(using, "select")
        connection = connections[using]
        with cursor(using) as c:
            c.execute(compiled.sql, compiled.bind(values, self.kinds))
            rows = c.fetchall()
        if not compiled.converters:
            return [tuple(r) for r in rows]
        out = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in compiled.converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            out.append(tuple(row))
        return out

    def objects(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Any]:
        """Model instances, with what the queryset ``select_related`` attached."""
        compiled = self._get(using, "select")
        if compiled.model_info is None:
            raise TypeError("objects() needs a queryset of model instances")
        klass_info, select, init_list, start, end = compiled.model_info
        model = klass_info["model"]
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # (stubs: Django 6)
        found = []
        for row in self.rows(using, **values):
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            found.append(obj)
        return found

    def first(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Any:
        """The one instance a unique filter finds, or None (all rows are read: no LIMIT is added)."""
        found = self.objects(using, **values)
        return found[0] if found else None

    def update(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> int:
        """For a ``build`` that returns ``updating(queryset, column=value, ...)``: rows changed."""
        compiled = self._get(using, "update")
        with cursor(using) as c:
            c.execute(compiled.sql, compiled.bind(values, self.kinds))
            return int(c.rowcount)

    def delete(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> int:
        """Delete the queryset's rows in one statement (no cascades, no signals): rows deleted."""
        compiled = self._get(using, "delete")
        with cursor(using) as c:
            c.execute(compiled.sql, compiled.bind(values, self.kinds))
            return int(c.rowcount)


def updating(queryset: QuerySet[Any], **values: Any) -> UpdateQuery:
    """What ``queryset.update(**values)`` would run, for ``Query(...).update`` (an ``update``
    override of the queryset's class is not run: compile only querysets whose updates are plain)."""
    query: Any = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    return query
