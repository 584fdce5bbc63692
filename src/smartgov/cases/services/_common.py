"""Helpers shared by the case services: the clock in the tenant's zone, history events, sealing
personal form fields, notices after commit, and who a member is in workflow terms."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.functional import Promise

from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor
from smartgov.cases import ports
from smartgov.cases.models import Application, CaseEvent
from smartgov.kit import clock, identity, statements
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

log = logging.getLogger("smartgov.cases")

APPLICANT_ROLE = "applicant"  # the role code the workflow gives the applicant
SEAL_PURPOSE = "cases.application.personal"


def zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.time_zone or "Asia/Shanghai")


def local_date(tenant: Tenant, instant: datetime | None = None) -> date:
    return (instant or clock.now()).astimezone(zone(tenant)).date()


def end_of_day(tenant: Tenant, day: date) -> datetime:
    """The last instant of a local day: a deadline "on day D" holds until D's midnight."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone(tenant)) - timedelta(microseconds=1)


def event(
    app: Application,
    kind: str,
    actor: Actor,
    message: str = "",
    *,
    from_state: str = "",
    to_state: str = "",
    internal: bool = False,
) -> CaseEvent:
    found = CaseEvent(
        tenant_id=app.tenant_id,
        application=app,
        at=clock.now(),
        kind=kind,
        actor_label=actor.label,
        from_state=from_state,
        to_state=to_state,
        message=message,
        internal=internal,
    )
    _INSERT_EVENT(found)
    return found


_INSERT_EVENT = statements.Insert(CaseEvent)  # every case change (kit.statements)


def mask_value(name: str, value: Any) -> str:
    text = str(value)
    return identity.mask_phone(text) if "phone" in name or "mobile" in name else identity.mask(text)


def seal(tenant: Tenant, schema: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Split form answers into what is stored in the clear (personal fields masked) and the
    personal fields themselves, encrypted with the tenant's data key."""
    personal = ports.personal_fields(schema)
    groups = ports.personal_group_fields(schema)
    clear: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for name, value in data.items():
        if name in personal and value not in (None, ""):
            secret[name] = value
            clear[name] = mask_value(name, value)
        elif name in groups and isinstance(value, list) and value:
            secret[name] = value  # the whole group, as answered; the clear copy masks its personal cells
            clear[name] = [_mask_item(item, groups[name]) for item in value]
        else:
            clear[name] = value
    sealed = keys.encrypt(tenant, json.dumps(secret, ensure_ascii=False), SEAL_PURPOSE) if secret else ""
    return clear, sealed


def _mask_item(item: Any, personal: set[str]) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: mask_value(k, v) if k in personal and v not in (None, "") else v for k, v in item.items()}


def unseal(tenant: Tenant, app: Application) -> dict[str, Any]:
    """The full form answers (personal fields decrypted): for the applicant and for audited reveals."""
    data = dict(app.form_data)
    if app.sealed_data:
        data.update(json.loads(keys.decrypt(tenant, app.sealed_data, SEAL_PURPOSE)))
    return data


class Bilingual:
    """A text the platform holds in both languages (a service's or a workflow step's name). It
    renders in the language active when it is shown: the notices app renders each notice in its
    recipient's language, so one context serves a Chinese and an English reader alike."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en or zh

    def __str__(self) -> str:
        return self.en if (translation.get_language() or "").startswith("en") else self.zh


def service_name(app: Application) -> Bilingual:
    """The application's service name for a notice: each reader gets it in their own language."""
    return Bilingual(app.service_name_zh, app.service_name_en)


def field_labels(version: ports.Version, names: list[str]) -> Bilingual:
    """Form fields (a correction request's items) by their labels, for a notice in either language."""
    hints = (version.ui_hints or {}).get("fields") or {}

    def labels(lang: str, other: str) -> str:
        found = [(hints.get(n) or {}).get("label") or {} for n in names]
        return ", ".join(str(lab.get(lang) or lab.get(other) or n) for lab, n in zip(found, names, strict=True))

    return Bilingual(labels("zh", "en"), labels("en", "zh"))


def _context_value(value: Any) -> Any:
    # Lazy translations and bilingual names stay as they are, to be rendered in the reader's language.
    if isinstance(value, Promise | Bilingual):
        return value
    return "" if value is None else str(value)


def notify_after_commit(
    tenant: Tenant, recipient: accounts.Membership, event_code: str, context: dict[str, Any], link: str = ""
) -> None:
    """Tell the recipient. The notices app records the notice in this transaction (so it exists if
    and only if the case change commits): the in-app message itself without a broker, a pending
    notice the dispatcher writes seconds later with one; e-mail and SMS go only after the commit."""
    ports.notify(tenant, recipient, event_code, {k: _context_value(v) for k, v in context.items()}, link)


def roles_of(member: accounts.Membership | None) -> set[str]:
    if member is None:
        return set()
    return {role.code for role in member.roles.all()}


def department_code(member: accounts.Membership | None) -> str | None:
    if member is None or member.department_id is None:
        return None
    return member.department.code if member.department else None


def applicant_link(app: Application) -> str:
    return f"/{app.tenant.slug}/cases/mine/{app.pk}"
