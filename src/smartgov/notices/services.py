"""Telling people what happened: every write about notices.

The public entry point for other apps is ``notify(tenant, recipient, event, context, link=...)``,
called inside the caller's service transaction. The notice is rendered in the recipient's
language, put in their inbox, and one delivery is queued per channel they chose; a rolled-back
submission never tells anyone anything. Without a broker (the embedded default) that is all done
in the caller's transaction. With one, the caller's transaction holds only a ``PendingNotice`` (one
row: what to say, to whom), and the dispatcher writes the message and deliveries seconds later
(``write_pending``), so a submission does not pay for rendering, the recipient's choices and the
rows of every channel (about 2 ms of a submission's CPU); the notice still exists if and only if
the caller's work committed.

Each e-mail or SMS is a ``Delivery`` row written with the message (in the caller's transaction,
or the dispatcher's), due at once: sending it is ``notices.delivery``'s.
"""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.audit import services as audit
from smartgov.audit.services import Actor, record
from smartgov.kit import clock, identity, statements
from smartgov.kit.errors import InvalidInput, NotFound
from smartgov.kit.memo import TtlCache
from smartgov.notices import events, rendering
from smartgov.notices.delivery import (
    DISPATCH_BATCH,
    MAX_ATTEMPTS,
    SYSTEM,
    deliver_all_in_process,
    phone_of,
    retry_delay,
)
from smartgov.notices.models import Delivery, Message, NoticeTemplate, PendingNotice, Preference
from smartgov.tenancy.models import Tenant
from smartgov.tenancy.selectors import TENANT_CACHE_SECONDS

log = logging.getLogger("smartgov.notices")

# Every notice reads its wording and its recipient's choices and writes its rows (kit.statements).
_TEMPLATE = statements.Query(
    lambda tenant, event, language: NoticeTemplate.objects.filter(tenant_id=tenant, event=event, language=language),
    tenant=UUID,
    event=str,
    language=str,
)
_PREFERENCE = statements.Query(
    lambda tenant, membership: Preference.objects.filter(tenant_id=tenant, membership_id=membership),
    tenant=UUID,
    membership=UUID,
)
_INSERT_MESSAGE = statements.Insert(Message)
_INSERT_DELIVERIES = statements.Insert(Delivery)
_INSERT_PENDING = statements.Insert(PendingNotice)


# --- wording -----------------------------------------------------------------------------------


def _check_event(event: str, field: str = "event") -> None:
    if event not in events.EVENTS:
        known = ", ".join(events.EVENTS)
        message = _("Unknown event %(event)s; one of: %(events)s") % {"event": event, "events": known}
        raise InvalidInput.for_field(field, message, code="unknown_event")


def _check_language(language: str) -> None:
    if language not in events.LANGUAGES:
        raise InvalidInput.for_field("language", _("language must be zh-hans or en"), code="unknown_language")


# Every notice reads its wording, which a tenant's administrators change rarely: kept per process,
# forgotten at once by the process that changes it and within TENANT_CACHE_SECONDS by the others.
_wordings: TtlCache[tuple[UUID, str, str], tuple[events.Wording, bool]] = TtlCache(TENANT_CACHE_SECONDS)


def wording(tenant: Tenant, event: str, language: str) -> tuple[events.Wording, bool]:
    """The wording in force for an event and language, and whether it is the tenant's own."""
    key = (tenant.pk, event, language)
    found = _wordings.get(key)
    if found is None:
        row = _TEMPLATE.first(tenant=tenant.pk, event=event, language=language)
        found = (events.Wording(row.subject, row.body, row.sms), True) if row is not None else (
            events.DEFAULTS[(event, language)], False)
        _wordings.put(key, found)
    return found


def _forget_wording(tenant: Tenant, event: str, language: str) -> None:
    _wordings.forget((tenant.pk, event, language))


@transaction.atomic
def set_template(
    actor: Actor, tenant: Tenant, *, event: str, language: str, subject: str, body: str, sms_text: str
) -> events.Wording:
    """Override the shipped wording of one event in one language. Templates that do not compile
    are refused, naming the part."""
    _check_event(event)
    _check_language(language)
    proposed = events.Wording(subject.strip(), body.strip(), sms_text.strip())
    for part in ("subject", "body", "sms"):
        if not getattr(proposed, part):
            raise InvalidInput.for_field(part, _("%(part)s must not be empty") % {"part": part})
    broken = rendering.problems(proposed)
    if broken:
        part, problem = next(iter(broken.items()))
        raise InvalidInput.for_field(part, _("Template error: %(problem)s") % {"problem": problem},
                                     code="template_invalid")
    row, _created = NoticeTemplate.objects.update_or_create(
        tenant=tenant, event=event, language=language,
        defaults={"subject": proposed.subject, "body": proposed.body, "sms": proposed.sms,
                  "updated_at": clock.now()},
    )
    record(actor=actor, tenant=tenant, action="notice_template.set", obj=row,
           changes={"event": event, "language": language})
    _forget_wording(tenant, event, language)
    return proposed


@transaction.atomic
def reset_template(actor: Actor, tenant: Tenant, *, event: str, language: str) -> events.Wording:
    """Back to the shipped wording."""
    _check_event(event)
    _check_language(language)
    deleted, _rows = NoticeTemplate.objects.filter(tenant=tenant, event=event, language=language).delete()
    _forget_wording(tenant, event, language)
    if deleted:
        record(actor=actor, tenant=tenant, action="notice_template.reset", object_type="notices.noticetemplate",
               object_id=f"{event}/{language}", changes={"event": event, "language": language})
    return events.DEFAULTS[(event, language)]


# --- preferences -------------------------------------------------------------------------------


def preference(tenant: Tenant, membership: accounts.Membership) -> Preference:
    """A person's channel choices (defaults, unsaved, when they never chose)."""
    found = _PREFERENCE.first(tenant=tenant.pk, membership=membership.pk)
    return found or Preference(tenant=tenant, membership=membership, email=True, sms=True, updated_at=clock.now())


@transaction.atomic
def set_preferences(
    actor: Actor, tenant: Tenant, membership: accounts.Membership, *, email: bool, sms: bool
) -> Preference:
    if membership.tenant_id != tenant.pk:
        raise NotFound(_("No such member."))
    row, _created = Preference.objects.update_or_create(
        tenant=tenant, membership=membership, defaults={"email": email, "sms": sms, "updated_at": clock.now()}
    )
    record(actor=actor, tenant=tenant, action="notice_preference.set", obj=row,
           changes={"email": email, "sms": sms})
    return row


# --- notify ------------------------------------------------------------------------------------


def mask_email(address: str) -> str:
    """``zhang.san@example.org`` -> ``zh*******@example.org``."""
    local, _at, domain = address.partition("@")
    return f"{local[:2]}{'*' * max(len(local) - 2, 1)}@{domain}"


def _name(membership: accounts.Membership) -> str:
    profile = getattr(membership, "profile", None)
    return (profile.full_name if profile is not None and profile.full_name else "") or membership.user.full_name or ""


def _sends_in_process() -> bool:
    """No broker (the embedded default): notices are written, and e-mail and SMS sent, in process."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True))


def notify(
    tenant: Tenant, recipient: accounts.Membership, event: str, context: dict[str, Any], *, link: str = ""
) -> Message | None:
    """Tell ``recipient`` about ``event``: an in-app message, and e-mail and SMS as they chose, sent
    after the surrounding transaction commits. ``context`` feeds the event's template (see
    ``events.CONTEXT``; a lazy translation or a bilingual name is put in the recipient's language);
    ``tenant`` and ``name`` are added. With a broker the message is written by the dispatcher
    shortly after the commit (module docstring) and this returns None; without one, it is written
    in this transaction and returned."""
    if _sends_in_process():
        return notify_now(tenant, recipient, event, context, link=link)
    language = _checked(tenant, recipient, event, link)
    now = clock.now()
    _INSERT_PENDING(PendingNotice(
        tenant=tenant, recipient=recipient, event=event, language=language, context=frozen(context, language),
        link=link[:500], created_at=now, next_try_at=now,
    ))
    return None


def notify_now(
    tenant: Tenant, recipient: accounts.Membership, event: str, context: dict[str, Any], *, link: str = ""
) -> Message:
    """``notify``, with the message written in this transaction whatever runs the background work:
    the inbox message, for a caller that needs it at once (the demo marks one read)."""
    language = _checked(tenant, recipient, event, link)
    # Checked above, before anything is written: no savepoint is needed for a refusal to leave the
    # caller's transaction usable, and the writes below commit or vanish with the caller's.
    with transaction.atomic(savepoint=False):
        return _write(tenant, recipient, event, thawed(frozen(context, language)), link, language)


def _checked(tenant: Tenant, recipient: accounts.Membership, event: str, link: str) -> str:
    """Refuse a notice that cannot be written; the recipient's language."""
    _check_event(event)
    if recipient.tenant_id != tenant.pk:
        raise NotFound(_("No such member."))
    # Pages render the link as a button: only a path on this site or an https address.
    if link and not ((link.startswith("/") and not link.startswith("//")) or link.startswith("https://")):
        raise InvalidInput.for_field("link", _("link must be a path on this site or an https:// address"))
    return events.language_of(recipient.user.language)


def frozen(context: dict[str, Any], language: str) -> dict[str, Any]:
    """``context`` as JSON in ``language``: text stays text (a lazy translation or a bilingual name
    becomes the text it shows in that language), numbers and None stay, and dates and times are
    tagged so that ``thawed`` gives them back as dates, which templates show in the reader's
    format. Both paths of ``notify`` render what this gives, so both render alike. Anything else
    that is not a single value shown as its text (a list, a time, a model, NaN) is refused."""
    values: dict[str, Any] = {}
    with translation.override(language):
        for key, value in context.items():
            if isinstance(value, datetime):
                values[key] = {"datetime": value.isoformat()}
            elif isinstance(value, date):
                values[key] = {"date": value.isoformat()}
            elif value is None or isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
                values[key] = value
            elif isinstance(value, _NOT_TEXT) or hasattr(value, "_meta"):
                raise TypeError(f"notice context {key!r}: a {type(value).__name__} is not shown as one text")
            else:
                values[key] = str(value)  # text, a lazy translation, a bilingual name, a Decimal, a UUID
    return values


_NOT_TEXT = (list, tuple, set, frozenset, dict, bytes, time, float)


def thawed(values: dict[str, Any]) -> dict[str, Any]:
    """The template's context from ``frozen``'s JSON."""
    context: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and "datetime" in value:
            context[key] = datetime.fromisoformat(value["datetime"])
        elif isinstance(value, dict) and "date" in value:
            context[key] = date.fromisoformat(value["date"])
        else:
            context[key] = value
    return context


def write_pending(tenant: Tenant, *, limit: int = DISPATCH_BATCH) -> int:
    """Write up to ``limit`` of the tenant's due pending notices, oldest first, as ``notify_now``
    would have (the message dated when the notice was given, its e-mail and SMS due at once), and
    delete them, in one transaction: each is written exactly once. Rows another dispatcher holds are
    skipped (``SKIP LOCKED``). A notice that cannot be written is logged and tried again after a
    growing delay (``retry_delay``), and after ``MAX_ATTEMPTS`` tries given up (audited as
    ``notice.write_failed``), so it never holds up the others. The audit events are chained once,
    at the end (``audit.batched``), so the tenant's audit chain is not locked for the whole batch.
    Returns how many rows it took, written or put off."""
    with transaction.atomic(savepoint=False), audit.batched():  # the dispatcher's tenant_context is open
        now = clock.now()
        pending = list(
            PendingNotice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient__user", "recipient__profile")
            .filter(tenant=tenant, next_try_at__lte=now)
            .order_by("next_try_at")[:limit]
        )
        written = []
        for row in pending:
            try:
                with transaction.atomic():  # a savepoint: one bad notice does not undo the others
                    _write(tenant, row.recipient, row.event, thawed(row.context), row.link, row.language,
                           row.created_at)
            except Exception as exc:
                log.exception("pending notice %s (%s) could not be written", row.pk, row.event)
                _put_off(tenant, row, exc, now)
            else:
                written.append(row.pk)
        if written:
            PendingNotice.objects.filter(tenant=tenant, pk__in=written).delete()
    return len(pending)


def _put_off(tenant: Tenant, row: PendingNotice, error: Exception, now: datetime) -> None:
    row.tries += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    row.next_try_at = now + retry_delay(row.tries) if row.tries < MAX_ATTEMPTS else None
    row.save(update_fields=["tries", "last_error", "next_try_at"])
    if row.next_try_at is None:
        record(actor=SYSTEM, tenant=tenant, action="notice.write_failed", obj=row,
               changes={"event": row.event, "recipient": str(row.recipient_id), "tries": row.tries,
                        "error": row.last_error})


def _write(
    tenant: Tenant, recipient: accounts.Membership, event: str, context: dict[str, Any], link: str, language: str,
    given_at: datetime | None = None,
) -> Message:
    user = recipient.user
    full_context = {**context, "tenant": tenant.display_name(language), "name": _name(recipient)}
    text = rendering.render(wording(tenant, event, language)[0], full_context, language)
    now = clock.now()
    message = Message(
        tenant=tenant, recipient=recipient, event=event, language=language, subject=text.subject, body=text.body,
        sms_text=text.sms, link=link[:500], created_at=given_at or now,
    )
    _INSERT_MESSAGE(message)
    chosen = preference(tenant, recipient)
    queued = []
    if chosen.email and user.email:
        queued.append(Delivery(
            tenant=tenant, message=message, channel=Delivery.Channel.EMAIL, address_masked=mask_email(user.email),
            created_at=now, updated_at=now, next_attempt_at=now,
        ))
    phone = phone_of(tenant, recipient) if chosen.sms else ""
    if phone:
        queued.append(Delivery(
            tenant=tenant, message=message, channel=Delivery.Channel.SMS, address_masked=identity.mask_phone(phone),
            created_at=now, updated_at=now, next_attempt_at=now,
        ))
    # The inbox message is the in-app delivery: it is there the moment the transaction commits.
    in_app = Delivery(tenant=tenant, message=message, channel=Delivery.Channel.IN_APP, status=Delivery.Status.SENT,
                      attempts=1, created_at=now, updated_at=now, sent_at=now, next_attempt_at=None)
    _INSERT_DELIVERIES(in_app, *queued)
    record(actor=SYSTEM, tenant=tenant, action="notice.create", obj=message,
           changes={"event": event, "recipient": str(recipient.pk),
                    "channels": ["in_app", *(d.channel for d in queued)]})
    # With a broker the rows are the outbox, and nothing more happens here: the dispatcher sends
    # them once they are committed and due. Without one, they are sent in this process after commit.
    ids = [str(d.pk) for d in queued]
    if ids and _sends_in_process():
        tenant_id = str(tenant.pk)
        transaction.on_commit(lambda: deliver_all_in_process(tenant_id, ids))
    return message


# --- inbox -------------------------------------------------------------------------------------


@transaction.atomic
def mark_read(tenant: Tenant, recipient: accounts.Membership, message: Message) -> Message:
    """The recipient read a message (idempotent). Reading one's own inbox is not audited: it
    changes nothing anyone else relies on."""
    if message.tenant_id != tenant.pk or message.recipient_id != recipient.pk:
        raise NotFound(_("No such message."))
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


@transaction.atomic
def mark_all_read(tenant: Tenant, recipient: accounts.Membership) -> int:
    return Message.objects.filter(tenant=tenant, recipient=recipient, read_at__isnull=True).update(
        read_at=clock.now()
    )
