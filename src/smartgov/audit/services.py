"""Recording audit events: called by every service, inside its transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from smartgov.audit import chain
from smartgov.audit.models import AuditChainHead, AuditEvent
from smartgov.kit import clock, requestctx, statements
from smartgov.tenancy.models import Tenant

PLATFORM_CHAIN = "platform"


@dataclass(frozen=True)
class Actor:
    """Who did it: a person, an agency's system (API client) or the platform itself."""

    type: str  # "user", "api_client", "system"
    id: str = ""
    label: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", "", label)


def chain_key(tenant: Tenant | None) -> str:
    return str(tenant.pk) if tenant is not None else PLATFORM_CHAIN


def record(
    *,
    actor: Actor,
    tenant: Tenant | None,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the tenant's chain. Must run inside the service's transaction, so the
    event and the write it describes commit or vanish together. Personal data in ``changes`` must
    already be masked by the caller. Inside ``batched()`` the event is chained when the block ends."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    info = requestctx.current()
    event = AuditEvent(
        tenant=tenant,
        chain_key=chain_key(tenant),
        created_at=clock.now(),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        # Round-trip through JSON now, so the hash covers exactly what the database gives back.
        changes=json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder)),
        request_id=info.request_id,
        ip=info.ip,
    )
    batches = connection.__dict__.get(BATCHES)
    if batches:
        pending = PendingEvent(event)
        pending.remember()
        batches[-1].append(pending)
    else:
        _append(tenant, [event])
    return event


def _append(tenant: Tenant | None, events: list[AuditEvent]) -> None:
    """Chain ``events`` (all of ``tenant``'s chain) onto its head, in order, and move the head."""
    key = chain_key(tenant)
    head = _locked_head(key, tenant)
    seq, last_hash = head.last_seq, head.last_hash
    for event in events:
        seq += 1
        event.seq, event.prev_hash = seq, last_hash
        event.hash = last_hash = chain.event_hash(event.chain_content(), event.prev_hash)
    _write(head.pk, seq, last_hash, events)
    _hold(HeldHead(head.pk, seq, last_hash), key)


def _write(head_pk: Any, seq: int, last_hash: str, events: list[AuditEvent]) -> None:
    """Insert the chained ``events`` and move the head to ``seq``/``last_hash``. On PostgreSQL this
    is one statement, the INSERT riding along as a data-modifying CTE of the head's UPDATE, which
    takes the last event's sequence number and hash from what was inserted: the head is locked
    already (``_locked_head``) and the hashes are computed above, so the rows written are exactly
    those of the two separate statements (run elsewhere), one round trip less. (Taken from the
    rows, not sent again, they keep a three-event statement within the 50 parameters psycopg keeps
    its parsed form of.)"""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        _INSERT(*events)
        _MOVE_HEAD.update(head=head_pk, seq=seq, last_hash=last_hash)
        return
    insert_sql, insert_params = _INSERT.statement(events)
    head, event, quote = AuditChainHead._meta, AuditEvent._meta, connection.ops.quote_name
    # Names from the models' metadata, values as parameters.
    event_seq, event_hash = quote(event.get_field("seq").column), quote(event.get_field("hash").column)
    head_seq, head_hash = quote(head.get_field("last_seq").column), quote(head.get_field("last_hash").column)
    table, pk = quote(head.db_table), quote(head.pk.column)
    move_head = (
        f"WITH added AS ({insert_sql} RETURNING {event_seq}, {event_hash}) "  # noqa: S608
        f"UPDATE {table} SET {head_seq} = last.{event_seq}, {head_hash} = last.{event_hash} "
        f"FROM (SELECT {event_seq}, {event_hash} FROM added ORDER BY {event_seq} DESC LIMIT 1) AS last "
        f"WHERE {table}.{pk} = %s"
    )
    with statements.cursor() as cursor:
        cursor.execute(move_head, [*insert_params, head.pk.get_db_prep_value(head_pk, connection)])
        if cursor.rowcount != 1:  # the head is locked by this transaction: it cannot have gone
            raise RuntimeError(f"audit chain head {head_pk} was not moved")
    statements.saved(events, connection.alias)


# Every write appends to a chain (compiled once: kit.statements).
_INSERT = statements.Insert(AuditEvent)
_MOVE_HEAD = statements.Query(
    lambda head, seq, last_hash: statements.updating(
        AuditChainHead.objects.filter(pk=head), last_seq=seq, last_hash=last_hash
    ),
    head=UUID,
    seq=int,
    last_hash=str,
)
_HEAD = statements.Query(
    lambda key: AuditChainHead.objects.select_for_update().filter(chain_key=key), key=str
)


BATCHES = "smartgov_audit_batches"
HEADS = "smartgov_audit_heads"


class WhileWritten:
    """Something remembered about a write of this transaction. It is registered as a no-op on-commit
    callback: Django drops it when the transaction ends, or when a savepoint around the write is
    rolled back, which is exactly when what it remembers stops being true."""

    def __call__(self) -> None:
        pass

    def remember(self) -> None:
        transaction.get_connection().on_commit(self)


def still_written(remembered: list[Any]) -> list[Any]:
    """Those of ``remembered`` (``WhileWritten``) whose writes are still in the transaction."""
    alive = {id(callback) for _sids, callback, _robust in transaction.get_connection().run_on_commit}
    return [r for r in remembered if id(r) in alive]


@dataclass(frozen=True, eq=False)
class PendingEvent(WhileWritten):
    """An event waiting for its batch to end."""

    event: AuditEvent


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Chain the events recorded in this block when it ends, all at once. The chain head is a
    tenant-wide lock held until the transaction commits: taken at the end, concurrent requests of a
    tenant queue for it only during the short tail of their transactions. The block is atomic (an
    exception leaving it dooms the enclosing transaction, as the block's writes and events go
    together); events of a rolled-back savepoint inside it are dropped with the writes they describe."""
    connection = transaction.get_connection()
    batches = connection.__dict__.setdefault(BATCHES, [])
    if batches:  # inside another batch: its end chains these too
        with transaction.atomic(savepoint=False):
            yield
        return
    pending: list[PendingEvent] = []
    batches.append(pending)
    try:
        with transaction.atomic(savepoint=False):
            yield
            events = [p.event for p in still_written(pending)]
            for key in dict.fromkeys(e.chain_key for e in events):  # each chain in order of first event
                _append(next(e.tenant for e in events if e.chain_key == key),
                        [e for e in events if e.chain_key == key])
    finally:
        batches.pop()


@dataclass(frozen=True, eq=False)
class HeldHead(WhileWritten):
    """A chain head this transaction has locked and advanced."""

    pk: Any
    last_seq: int
    last_hash: str


def _hold(head: HeldHead, key: str) -> None:
    head.remember()
    transaction.get_connection().__dict__.setdefault(HEADS, {})[key] = head


def _locked_head(key: str, tenant: Tenant | None) -> HeldHead | AuditChainHead:
    """The chain's head, locked until the transaction ends. A second event of the same
    transaction reuses what the first learnt instead of reading (and locking) the row again."""
    held = transaction.get_connection().__dict__.get(HEADS, {}).get(key)
    if held is not None and still_written([held]):
        return held
    head: AuditChainHead | None = _HEAD.first(key=key)
    if head is None:  # the chain's first event
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            chain_key=key, defaults={"tenant": tenant, "last_hash": chain.GENESIS}
        )
    return head
