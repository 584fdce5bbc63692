"""Notices: templates, a person's messages and channel preferences, delivery status."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from smartgov.accounts import permissions as perms
from smartgov.accounts import services as accounts
from smartgov.api.auth import principal, tenant_auth, tenant_of
from smartgov.kit.errors import NotFound
from smartgov.notices import selectors, services
from smartgov.notices.schemas import (
    ChannelOut,
    DeliveryFilter,
    DeliveryOut,
    InboxFilter,
    MarkedOut,
    MessageOut,
    PreferencesIn,
    TemplateIn,
    TemplateKeyIn,
    TemplateOut,
)

router = Router(tags=["notices"], auth=tenant_auth)


def _person(caller: accounts.Principal) -> accounts.Membership:
    if caller.membership is None:
        raise NotFound("API clients have no inbox or notice preferences.", code="no_inbox")
    return caller.membership


@router.get("/t/{tenant}/notices/inbox", response=list[MessageOut], summary="My messages")
@paginate(LimitOffsetPagination)
def inbox(request: HttpRequest, tenant: str, filters: Query[InboxFilter]) -> object:
    """The caller's in-app messages, newest first (`unread=true`: only unread ones). An API client
    has no inbox and gets an empty list."""
    caller = principal(request)
    if caller.membership is None:
        return []
    return selectors.inbox(tenant_of(request), caller.membership, unread_only=filters.unread)


@router.post("/t/{tenant}/notices/inbox/{message_id}/read", response=MessageOut, summary="Mark a message read")
def mark_read(request: HttpRequest, tenant: str, message_id: str) -> object:
    """Only one's own messages; anyone else's is a 404."""
    the_tenant = tenant_of(request)
    membership = _person(principal(request))
    message = selectors.message_of(the_tenant, membership, message_id)
    return services.mark_read(the_tenant, membership, message)


@router.post("/t/{tenant}/notices/inbox/read-all", response=MarkedOut, summary="Mark all messages read")
def mark_all_read(request: HttpRequest, tenant: str) -> dict[str, int]:
    return {"marked": services.mark_all_read(tenant_of(request), _person(principal(request)))}


@router.get("/t/{tenant}/notices/preferences", response=list[ChannelOut], summary="My notice channels")
def get_preferences(request: HttpRequest, tenant: str) -> object:
    """Which channels the caller receives notices on. In-app messages are always on; SMS needs a
    phone number on file. An API client has no channels (empty list)."""
    caller = principal(request)
    if caller.membership is None:
        return []
    return selectors.channel_choices(tenant_of(request), caller.membership)


@router.put("/t/{tenant}/notices/preferences", response=list[ChannelOut], summary="Choose my notice channels")
def set_preferences(request: HttpRequest, tenant: str, payload: PreferencesIn) -> object:
    caller = principal(request)
    the_tenant = tenant_of(request)
    membership = _person(caller)
    services.set_preferences(caller.actor, the_tenant, membership, email=payload.email, sms=payload.sms)
    return selectors.channel_choices(the_tenant, membership)


@router.get("/t/{tenant}/notices/templates", response=list[TemplateOut], summary="List notice templates")
def list_templates(request: HttpRequest, tenant: str) -> object:
    """Every event in zh-Hans and English: the wording in force (the tenant's own or the shipped
    default) and the variables it may use. Needs `notices.manage`."""
    principal(request).require(perms.NOTICES_MANAGE)
    return selectors.templates(tenant_of(request))


def _template_out(tenant_obj: object, event: str, language: str) -> selectors.TemplateView:
    return next(t for t in selectors.templates(tenant_obj) if t.event == event and t.language == language)  # type: ignore[arg-type]


@router.put("/t/{tenant}/notices/templates", response=TemplateOut, summary="Override a notice template")
def set_template(request: HttpRequest, tenant: str, payload: TemplateIn) -> object:
    """Django template syntax (`{{ reference }}`, `{% if approved %}`); a template that does not
    compile is a 422 naming the part (subject, body or sms)."""
    caller = principal(request)
    caller.require(perms.NOTICES_MANAGE)
    the_tenant = tenant_of(request)
    services.set_template(caller.actor, the_tenant, event=payload.event, language=payload.language,
                          subject=payload.subject, body=payload.body, sms_text=payload.sms)
    return _template_out(the_tenant, payload.event, payload.language)


@router.post("/t/{tenant}/notices/templates/reset", response=TemplateOut, summary="Restore a default template")
def reset_template(request: HttpRequest, tenant: str, payload: TemplateKeyIn) -> object:
    caller = principal(request)
    caller.require(perms.NOTICES_MANAGE)
    the_tenant = tenant_of(request)
    services.reset_template(caller.actor, the_tenant, event=payload.event, language=payload.language)
    return _template_out(the_tenant, payload.event, payload.language)


@router.get("/t/{tenant}/notices/deliveries", response=list[DeliveryOut], summary="Delivery status")
@paginate(LimitOffsetPagination)
def list_deliveries(request: HttpRequest, tenant: str, filters: Query[DeliveryFilter]) -> object:
    """What was sent on which channel, what is queued (and when it is next tried) and what failed
    (with attempts and the last error), newest first; filter by status, channel, message id or
    event. Needs `notices.manage`."""
    principal(request).require(perms.NOTICES_MANAGE)
    return selectors.deliveries(tenant_of(request), status=filters.status, channel=filters.channel,
                                message_id=filters.message, event=filters.event)

