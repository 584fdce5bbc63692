"""Recording audit events: called by every service, inside its transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from smartgov.audit import chain
from smartgov.audit.models import AuditChainHead, AuditEvent
from smartgov.kit import clock, requestctx
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
    already be masked by the caller."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    key = chain_key(tenant)
    head = _locked_head(key, tenant)
    info = requestctx.current()
    event = AuditEvent(
        tenant=tenant,
        chain_key=key,
        seq=head.last_seq + 1,
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
        prev_hash=head.last_hash,
    )
    event.hash = chain.event_hash(event.chain_content(), event.prev_hash)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.hash)
    _hold(HeldHead(head.pk, event.seq, event.hash), key)
    return event


@dataclass(frozen=True, eq=False)
class HeldHead:
    """A chain head this transaction has locked and advanced. It doubles as a no-op on-commit
    callback: Django drops it when the transaction ends, or when a savepoint around the write is
    rolled back, which is exactly when what it remembers stops being true."""

    pk: Any
    last_seq: int
    last_hash: str

    def __call__(self) -> None:
        pass


def _hold(head: HeldHead, key: str) -> None:
    connection = transaction.get_connection()
    connection.on_commit(head)
    held = connection.__dict__.setdefault("smartgov_audit_heads", {})
    held[key] = head


def _locked_head(key: str, tenant: Tenant | None) -> HeldHead | AuditChainHead:
    """The chain's head, locked until the transaction ends. A second event of the same
    transaction reuses what the first learnt instead of reading (and locking) the row again."""
    connection = transaction.get_connection()
    held = connection.__dict__.get("smartgov_audit_heads", {}).get(key)
    if held is not None and any(callback is held for _sids, callback, _robust in connection.run_on_commit):
        return held
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        chain_key=key, defaults={"tenant": tenant, "last_hash": chain.GENESIS}
    )
    return head
