"""Reads of notices, always for one tenant (another tenant's message is a 404)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartgov.accounts import services as accounts
from smartgov.kit.errors import NotFound
from smartgov.notices import events, services
from smartgov.notices.models import Delivery, Message
from smartgov.tenancy.models import Tenant


def inbox(tenant: Tenant, membership: accounts.Membership, *, unread_only: bool = False) -> QuerySet[Message]:
    qs = Message.objects.filter(tenant=tenant, recipient=membership).order_by("-created_at")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(tenant: Tenant, membership: accounts.Membership) -> int:
    return inbox(tenant, membership, unread_only=True).count()


def message_of(tenant: Tenant, membership: accounts.Membership, message_id: UUID | str) -> Message:
    """One of the person's own messages; anyone else's is a 404."""
    try:
        return Message.objects.get(tenant=tenant, recipient=membership, pk=message_id)
    except (Message.DoesNotExist, ValueError):
        raise NotFound(_("No such message.")) from None


def deliveries(
    tenant: Tenant, *, status: str = "", channel: str = "", message_id: str = "", event: str = ""
) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(tenant=tenant).select_related("message").order_by("-created_at")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if message_id:
        try:
            qs = qs.filter(message_id=UUID(message_id))
        except ValueError:
            return qs.none()
    if event:
        qs = qs.filter(message__event=event)
    return qs


@dataclass(frozen=True)
class TemplateView:
    event: str
    language: str
    subject: str
    body: str
    sms: str
    overridden: bool
    context: tuple[str, ...]


def templates(tenant: Tenant) -> list[TemplateView]:
    """Every event in every language, with the wording in force and whether the tenant overrode it."""
    found = []
    for event in events.EVENTS:
        for language in events.LANGUAGES:
            wording, overridden = services.wording(tenant, event, language)
            found.append(TemplateView(event, language, wording.subject, wording.body, wording.sms, overridden,
                                      ("tenant", "name", *events.CONTEXT[event])))
    return found


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    enabled: bool
    locked: bool  # in-app messages cannot be turned off
    address: str  # masked


def channel_choices(tenant: Tenant, membership: accounts.Membership) -> list[ChannelChoice]:
    chosen = services.preference(tenant, membership)
    profile = getattr(membership, "profile", None)
    phone = profile.phone_masked if profile is not None else ""
    return [
        ChannelChoice("in_app", True, True, ""),
        ChannelChoice("email", chosen.email, False, services.mask_email(membership.user.email)),
        ChannelChoice("sms", chosen.sms and bool(phone), not phone, phone),
    ]
