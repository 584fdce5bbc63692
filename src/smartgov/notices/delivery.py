"""Sending notices: the ``Delivery`` rows are a transactional outbox, each e-mail or SMS due at
``next_attempt_at``. With a broker the beat task ``tasks.dispatch`` claims due rows
(``claim_due_deliveries``, leasing them for ``LEASE``) and queues one ``deliver`` task each, which
makes one attempt (``attempt_delivery``: claimed in a short transaction, sent with no transaction
open, recorded in another); a failed attempt sets the next one after a growing, jittered delay
(``retry_delay``). Without a broker the deliveries are attempted in process right after the
notifying commit (``deliver_all_in_process``). Writing notices is ``services``'s.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor, record
from smartgov.kit import clock, sms
from smartgov.notices.models import Delivery
from smartgov.tenancy import keys
from smartgov.tenancy.context import tenant_context
from smartgov.tenancy.models import Tenant

log = logging.getLogger("smartgov.notices")

MAX_ATTEMPTS = 5  # per channel; then the delivery is marked failed and staff see it
RETRY_BASE = timedelta(seconds=30)  # after the first failed attempt; doubled after each further one
RETRY_MAX = timedelta(hours=1)
LEASE = timedelta(minutes=10)  # a claimed delivery comes back when its task has not run by then
DISPATCH_BATCH = 500  # deliveries claimed per transaction
SYSTEM = Actor.system("notices")

SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"


def phone_of(tenant: Tenant, membership: accounts.Membership) -> str:
    """The member's phone number in clear (empty when none is on file); read only to send."""
    profile = getattr(membership, "profile", None)
    if profile is None or not profile.phone_cipher:
        return ""
    return keys.decrypt(tenant, profile.phone_cipher, "profile.phone")



def deliver_all_in_process(tenant_id: str, delivery_ids: list[str]) -> None:
    for delivery_id in delivery_ids:
        _deliver_in_process(tenant_id, delivery_id)


def _deliver_in_process(tenant_id: str, delivery_id: str) -> None:
    # In process (the embedded default): the attempts come back to back, not at next_attempt_at,
    # since no dispatcher runs. The delivery row bounds the attempts and records the outcome; a
    # failure is logged and recorded, never raised into the request whose commit triggered it.
    for _attempt in range(MAX_ATTEMPTS):
        try:
            outcome = attempt_in_tenant(tenant_id, delivery_id)
        except Exception:
            log.exception("delivery %s ended with an error", delivery_id)
            return
        if outcome != RETRY:
            return


# --- the outbox --------------------------------------------------------------------------------


def claim_due_deliveries(
    tenant: Tenant, *, limit: int = DISPATCH_BATCH, lease: timedelta = LEASE
) -> list[tuple[str, int]]:
    """Claim up to ``limit`` of the tenant's queued deliveries that are due, oldest due first, in
    one short transaction: their ``next_attempt_at`` moves ``lease`` ahead, so the dispatcher does
    not queue them again while their tasks run, and a delivery whose task is lost (a worker died)
    comes back when the lease ends. Rows another dispatcher or a worker's claim holds are skipped
    (``SKIP LOCKED``). Returns the claimed ids, each with its attempt count so far (its task makes
    the attempt only if no other has been made since: ``attempt_delivery``); the caller queues their
    tasks after the commit. Not audited: it changes when a delivery is tried, not what anyone sees
    or is sent."""
    with transaction.atomic(savepoint=False):  # the dispatcher calls it in its tenant_context already
        now = clock.now()
        claimed = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(tenant=tenant, status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:limit]
        )
        if claimed:
            Delivery.objects.filter(tenant=tenant, pk__in=[pk for pk, _n in claimed]).update(
                next_attempt_at=now + lease
            )
    return [(str(pk), attempts) for pk, attempts in claimed]


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failed attempt a delivery is tried again: 30 s, 60 s,
    120 s ... up to an hour, each jittered down by up to half, so deliveries that failed together
    (a gateway outage) do not all come back in the same second."""
    ceiling = min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)
    return ceiling * random.uniform(0.5, 1.0)


def attempt_in_tenant(tenant_id: str, delivery_id: str, attempts: int | None = None) -> str:
    """``attempt_delivery`` for a task or a callback that has only ids."""
    return attempt_delivery(Tenant.objects.get(pk=tenant_id), delivery_id, attempts=attempts)


@dataclass(frozen=True)
class _Claimed:
    """A delivery claimed for one attempt, with what sending it needs (read in the claim's tenant
    context, so the send itself touches no database)."""

    delivery: Delivery
    address: str  # the e-mail address or phone number, in clear, only in this process's memory
    subject: str
    body: str
    sms_text: str
    error: Exception | None = None  # the address could not be read: the attempt fails with this


def attempt_delivery(tenant: Tenant, delivery_id: str, *, attempts: int | None = None) -> str:
    """One attempt at one queued delivery: SENT, RETRY (due again after ``retry_delay``, when the
    dispatcher queues it again), FAILED (given up after MAX_ATTEMPTS, recorded and audited) or
    SKIPPED. Three steps, so no transaction or row lock is held while the mail server or SMS
    gateway answers (which can take seconds): the attempt is claimed in a short transaction (the
    count goes up, and the row is leased for ``LEASE``, after which the dispatcher tries again if
    this process died while sending), sent with no transaction open, and its outcome recorded in a
    second short transaction. ``attempts`` is the count the dispatcher saw when it queued the task:
    if another attempt has been made since (a task delivered twice), this one is SKIPPED; None
    (in-process sending) makes the attempt whenever the delivery is queued. A delivery no longer
    queued is left alone."""
    with tenant_context(tenant):
        claimed = _claim_attempt(tenant, delivery_id, attempts)
    if isinstance(claimed, str):
        return claimed
    provider_id, error = "", claimed.error
    if error is None:
        try:
            provider_id = _send(claimed)[:200]
        except Exception as exc:  # any provider or mail failure (a time limit too): recorded, then retried or given up
            error = exc
    with tenant_context(tenant):
        return _record_attempt(tenant, claimed, provider_id, error)


def _claim_attempt(tenant: Tenant, delivery_id: str, attempts: int | None) -> _Claimed | str:
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("message__recipient__user", "message__recipient__profile")
        .filter(tenant=tenant, pk=delivery_id)
        .first()
    )
    if delivery is None:
        log.warning("delivery %s not found in tenant %s", delivery_id, tenant.slug)
        return FAILED
    if delivery.status != Delivery.Status.QUEUED:
        return SENT if delivery.status == Delivery.Status.SENT else FAILED
    if attempts is not None and delivery.attempts != attempts:
        return SKIPPED  # another task made an attempt since this one was queued
    now = clock.now()
    if delivery.attempts >= MAX_ATTEMPTS:  # every attempt claimed, none recorded (its worker died or hung)
        _give_up(tenant, delivery, "no outcome recorded for the last attempt", now)
        return FAILED
    message = delivery.message
    delivery.attempts += 1
    delivery.updated_at = now
    delivery.next_attempt_at = now + LEASE
    delivery.save(update_fields=["attempts", "updated_at", "next_attempt_at"])
    address, error = "", None
    try:
        if delivery.channel == Delivery.Channel.EMAIL:
            address = message.recipient.user.email
        elif delivery.channel == Delivery.Channel.SMS:
            address = phone_of(tenant, message.recipient)
        else:
            raise ValueError(f"channel {delivery.channel} is not sent by a worker")
    except Exception as exc:  # a phone that does not decrypt: a failed attempt, counted like any other
        error = exc
    link = message.link
    if link.startswith("/"):  # mail is read elsewhere: make a path absolute when the site is known
        link = settings.SITE_URL.rstrip("/") + link
    body = message.body + (f"\n\n{link}" if link else "")
    return _Claimed(delivery, address, message.subject, body, message.sms_text, error)


def _send(claimed: _Claimed) -> str:
    """Hand the message to the mail server or the SMS gateway; the provider's id (or empty)."""
    if not claimed.address:
        raise LookupError("no address on file any more")
    if claimed.delivery.channel == Delivery.Channel.EMAIL:
        send_mail(claimed.subject, claimed.body, settings.DEFAULT_FROM_EMAIL, [claimed.address], fail_silently=False)
        return ""
    return sms.send_sms(claimed.address, claimed.sms_text)


def _record_attempt(tenant: Tenant, claimed: _Claimed, provider_id: str, error: Exception | None) -> str:
    delivery = Delivery.objects.select_for_update().filter(tenant=tenant, pk=claimed.delivery.pk).first()
    if delivery is None or delivery.status == Delivery.Status.SENT:
        return SKIPPED if error is not None else SENT
    now = clock.now()
    if error is None:
        # Sent. The row says so even if a newer attempt owns it or gave up meanwhile: the message went out.
        delivery.status = Delivery.Status.SENT
        delivery.provider_id = provider_id
        delivery.sent_at = delivery.updated_at = now
        delivery.last_error = ""
        delivery.next_attempt_at = None
        delivery.save()
        return SENT
    if delivery.status != Delivery.Status.QUEUED or delivery.attempts != claimed.delivery.attempts:
        return SKIPPED  # given up, or a newer attempt owns the row (this one outlived its lease)
    delivery.last_error = f"{type(error).__name__}: {error}"[:500]
    log.warning("delivery %s (%s) attempt %d failed: %s", delivery.pk, delivery.channel, delivery.attempts,
                delivery.last_error)
    if delivery.attempts >= MAX_ATTEMPTS or isinstance(error, LookupError):
        _give_up(tenant, delivery, delivery.last_error, now)
        return FAILED
    delivery.updated_at = now
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save()
    return RETRY


def _give_up(tenant: Tenant, delivery: Delivery, error: str, now: datetime) -> None:
    delivery.status = Delivery.Status.FAILED
    delivery.last_error = error[:500]
    delivery.updated_at = now
    delivery.next_attempt_at = None
    delivery.save()
    record(actor=SYSTEM, tenant=tenant, action="notice.delivery_failed", obj=delivery,
           changes={"channel": delivery.channel, "attempts": delivery.attempts, "error": delivery.last_error})
