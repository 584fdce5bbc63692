"""Writing and sending notices in the background, from the outbox the pending notices and the
delivery rows are.

With a broker (production) the request that notified publishes nothing and writes one
``PendingNotice``, committed with the rest of its work. The beat task ``dispatch`` (every
``SMARTGOV_NOTICE_DISPATCH_SECONDS``) first writes each active tenant's pending notices as messages
and deliveries (``services.write_pending``); their deliveries are due at once. It then claims each
active tenant's due deliveries in a short transaction (``delivery.claim_due_deliveries``, which
leases them for ``delivery.LEASE``) and, after that commits, queues one ``deliver`` task per
delivery, carrying the delivery's attempt count. ``deliver`` makes one attempt; a failed one
is given its next time in the row (30 s, 60 s, 120 s ... up to an hour, jittered), and ``dispatch``
queues it again when it is due. So no notice is lost: a process that dies after the notifying
commit leaves its rows due, and a failed publish or a task lost with its worker only delays a
delivery until its lease ends. A ``deliver`` task expires with the lease (its delivery has been
queued again by then), so a backlog in the broker does not pile up copies. An attempt is claimed
(its count raised) in a short transaction before the send, and only by a task carrying the count it
finds, so two tasks of one delivery do not both send it, and no row lock is held while the gateway
answers; the count also keeps a delivery from being tried forever. Without a broker, ``notify``
sends in the process right after the commit instead (``delivery.deliver_all_in_process``) and nothing
here runs.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction

from smartgov.kit import clock
from smartgov.notices import delivery, services
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import tenant_context

log = logging.getLogger("smartgov.notices")

# Batches claimed per tenant in one run, so a tenant with a large backlog (a bulk notice) does not
# hold up the others for long; the rest is claimed by the next run.
BATCHES_PER_RUN = 10


# A send that hangs is cut off well within the lease (prefork workers: the soft limit raises in the
# send, which is then recorded as a failed attempt; the hard one ends the child), so the dispatcher
# does not queue the delivery again while its first attempt still runs.
SOFT_LIMIT = delivery.LEASE.total_seconds() * 0.4
HARD_LIMIT = delivery.LEASE.total_seconds() * 0.5


@shared_task(name="smartgov.notices.tasks.deliver", acks_late=True, soft_time_limit=SOFT_LIMIT,
             time_limit=HARD_LIMIT)
def deliver(tenant_id: str, delivery_id: str, attempts: int | None = None) -> str:
    """One attempt at one delivery: ``sent``, ``retry`` (due again later, in the row), ``failed``,
    or ``skipped`` when another attempt was made since the dispatcher queued this one (``attempts``,
    the count it saw; None, from a release before it was sent: attempt whenever queued)."""
    return delivery.attempt_in_tenant(tenant_id, delivery_id, attempts)


@shared_task(name="smartgov.notices.tasks.dispatch", acks_late=True)
def dispatch() -> dict[str, int]:
    """Write the pending notices, then queue a ``deliver`` task for every due delivery, tenant by
    tenant (each in its own tenant context, so row-level security sees only that tenant). Returns
    the count of deliveries queued per tenant."""
    done: dict[str, int] = {}
    for tenant in tenancy_selectors.tenants("active"):
        tenant_id = str(tenant.pk)
        for _batch in range(BATCHES_PER_RUN):
            with tenant_context(tenant):
                taken = services.write_pending(tenant, limit=delivery.DISPATCH_BATCH)
            if taken < delivery.DISPATCH_BATCH:
                break
        for _batch in range(BATCHES_PER_RUN):
            with tenant_context(tenant):
                claimed = delivery.claim_due_deliveries(tenant, limit=delivery.DISPATCH_BATCH)
                if claimed:
                    transaction.on_commit(partial(_queue, tenant_id, claimed))
            if claimed:
                done[tenant.slug] = done.get(tenant.slug, 0) + len(claimed)
            if len(claimed) < delivery.DISPATCH_BATCH:
                break
    if done:
        log.info("notice deliveries queued: %s", done)
    return done


def _queue(tenant_id: str, claimed: list[tuple[str, int]]) -> None:
    # A publish that fails leaves the rest claimed: they come back when their lease ends. A task not
    # started by then (counted from now, just after the claim) is dropped: it has been queued again.
    expires = clock.now() + delivery.LEASE
    for delivery_id, attempts in claimed:
        deliver.apply_async(args=[tenant_id, delivery_id, attempts], expires=expires)
