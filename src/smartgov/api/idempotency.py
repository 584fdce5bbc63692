"""``Idempotency-Key`` for POSTs that move money or submit something (DESIGN rule 9).

The contract (Stripe's and GOV.UK Pay's): the client sends a key with each create; the first answer
is stored and replayed for any retry with the same key; the same key with a different body is a 409
``idempotency_key_reused``; a request refused by validation is not stored, so it can be corrected and
retried with the same key. Keys are per caller and per operation, and are pruned after
``RETENTION``.

Exactly once: the record is inserted in the same transaction as the effect. A concurrent duplicate
blocks on the unique index until the first commits (PostgreSQL) or on the write lock (SQLite), then
finds the stored answer and replays it; if the first rolled back, the duplicate runs instead.

``run_in_steps`` is the same contract for effects that wait on another system (a payment provider):
the claim is committed with what the effect reserved, the call happens with no transaction open, and a
retry after a crash between the steps finishes the reserved work instead of waiting for it forever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from smartgov.api.models import IdempotencyRecord
from smartgov.audit import services as audit
from smartgov.kit import clock, statements
from smartgov.kit.errors import Conflict, DomainError, InvalidInput

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
REPLAYED_ATTRIBUTE = "idempotent_replay"  # set on the request when an answer was replayed


class KeyRequired(DomainError):
    status = 400
    code = "idempotency_key_required"


def _jsonable(body: Any) -> Any:
    if hasattr(body, "model_dump"):
        return body.model_dump(mode="json", by_alias=True)
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(_jsonable(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _caller(request: HttpRequest) -> str:
    principal = getattr(request, "auth", None)
    actor = getattr(principal, "actor", None)
    return f"{actor.type}:{actor.id}" if actor is not None else "anonymous"


def _identity(request: HttpRequest, operation: str) -> dict[str, Any]:
    """What a key is unique within: the tenant, the caller, the operation and the (checked) key."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise KeyRequired(_("Send an Idempotency-Key header with this request."), details=[{"field": HEADER}])
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput.for_field(HEADER, _("An Idempotency-Key has at most 255 characters."))
    tenant = request.tenant  # type: ignore[attr-defined]
    return {"tenant": tenant, "caller": _caller(request), "operation": operation, "key": key}


def run(
    request: HttpRequest, operation: str, payload: Any, execute: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Run ``execute`` (returning ``(status, body)``) at most once per key; replay its answer after.

    ``payload`` is what identifies the request's meaning (the parsed body plus path parameters).
    Use from a ninja operation: ``return Status(*idempotency.run(request, "billing.pay", payload, ...))``.
    """
    identity = _identity(request, operation)
    digest = fingerprint(payload)
    with transaction.atomic():
        # Claim the key before the effect: a concurrent duplicate now waits on the unique index.
        claim = _claim(IdempotencyRecord(**identity, fingerprint=digest, created_at=clock.now()))
        if claim is not None:
            with audit.batched():  # the tenant's audit chain is locked only at the end of the effect
                status, body = execute()
            claim.status_code, claim.response = status, _jsonable(body)
            _ANSWER(claim)
            return status, body
    # The key was used before (or by a duplicate that committed first): answer as it did.
    return _replay(request, IdempotencyRecord.objects.get(**identity), digest)


# Every submission and payment claims a key and stores its answer (compiled once: kit.statements).
_CLAIM = statements.Insert(IdempotencyRecord, suffix="ON CONFLICT DO NOTHING")
_ANSWER = statements.Update(IdempotencyRecord, "status_code", "response")


def _claim(record: IdempotencyRecord) -> IdempotencyRecord | None:
    """Insert ``record`` unless its key is taken, in one statement (``ON CONFLICT DO NOTHING``, on
    PostgreSQL and SQLite alike): the record, or None when the key was taken."""
    return record if _CLAIM(record) else None


_HANDLE = "reserved"  # an unfinished claim of run_in_steps keeps what reserve() returned under this key
_NONE = object()


def _handle_of(claim: IdempotencyRecord) -> Any:
    if claim.status_code is not None or not isinstance(claim.response, dict) or _HANDLE not in claim.response:
        return _NONE
    return claim.response[_HANDLE]


def run_in_steps(
    request: HttpRequest,
    operation: str,
    payload: Any,
    reserve: Callable[[], Any],
    complete: Callable[[Any], tuple[int, Any]],
) -> tuple[int, Any]:
    """``run`` for an effect that waits on another system (a payment provider) and so must not hold a
    transaction while it waits. Three steps: the key is claimed in the same short transaction as
    ``reserve()``, which writes what the call is about and returns a JSON-able handle on it (a payment
    id); ``complete(handle)`` runs with no transaction of ours open and returns ``(status, body)``; the
    answer is stored in a third transaction.

    A retry that finds the claim unfinished (the first attempt still running, or its process killed
    between the steps) runs ``complete`` again on the stored handle, so ``complete`` must be
    idempotent. If ``complete`` raises, the claim is dropped (as ``run`` drops it with its rolled-back
    transaction), so the request can be retried with the same key.
    """
    identity = _identity(request, operation)
    digest = fingerprint(payload)
    handle: Any = _NONE
    with transaction.atomic():
        claim = _claim(IdempotencyRecord(**identity, fingerprint=digest, created_at=clock.now()))
        if claim is not None:
            with audit.batched():
                handle = _jsonable(reserve())
            claim.response = {_HANDLE: handle}
            claim.save(update_fields=["response"])
    if handle is _NONE:  # the key was used before, or a duplicate claimed it first
        claim = IdempotencyRecord.objects.filter(**identity).first()
        if claim is not None and (claim.fingerprint != digest or claim.status_code is not None):
            return _replay(request, claim, digest)
        handle = _handle_of(claim) if claim is not None else _NONE
        if claim is None or handle is _NONE:
            raise Conflict(_("A request with this Idempotency-Key is still running."), code="idempotency_in_progress")
        setattr(request, REPLAYED_ATTRIBUTE, True)  # answered by finishing the first request's work
    assert claim is not None  # claimed here, or found claimed by the first request
    try:
        status, body = complete(handle)
    except Exception:
        IdempotencyRecord.objects.filter(pk=claim.pk, status_code__isnull=True).delete()
        raise
    IdempotencyRecord.objects.filter(pk=claim.pk, status_code__isnull=True).update(
        status_code=status, response=_jsonable(body)
    )
    return status, body


def _replay(request: HttpRequest, stored: IdempotencyRecord, digest: str) -> tuple[int, Any]:
    if stored.fingerprint != digest:
        raise Conflict(
            _("This Idempotency-Key was used with a different request."), code="idempotency_key_reused"
        )
    if stored.status_code is None:  # only visible to the claiming transaction itself
        raise Conflict(_("A request with this Idempotency-Key is still running."), code="idempotency_in_progress")
    setattr(request, REPLAYED_ATTRIBUTE, True)
    return stored.status_code, stored.response


def prune(now: Any = None) -> int:
    """Delete records past retention (a periodic task); returns how many went."""
    cutoff = (now or clock.now()) - RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
