"""Demo data of the cases app for one demo city; called by `smartgov demo` (demo/world.py).

For every published demo service, applications in every state: a draft, submitted, in progress,
awaiting correction, approved (with its signed certificate in the holder's wallet), rejected and
withdrawn (and awaiting payment where the service has a fee). Forms are filled from each version's
schema, so the demo follows whatever forms the catalogue demo defines. Idempotent: a city that has
applications already is left alone."""

from __future__ import annotations

import base64
import logging
import random
import secrets
from datetime import date
from typing import Any

from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor
from smartgov.cases import ports, services
from smartgov.cases.models import Application
from smartgov.kit import identity
from smartgov.kit.errors import DomainError
from smartgov.tenancy.models import Tenant

log = logging.getLogger("smartgov.cases.demo")
ACTOR = Actor.system("smartgov demo")
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TARGETS = ["draft", "submitted", "in_progress", "awaiting_correction", "approved", "rejected", "withdrawn", "approved"]
SHOPS = ["老街面馆", "瓯江茶社", "山水民宿", "云和木玩", "龙泉青瓷坊", "缙云烧饼铺"]


def _value(kind: str, spec: dict[str, Any], hint: dict[str, Any], rng: random.Random, doc: Any) -> Any:
    if kind == "file":
        return [str(doc)] if spec.get("type") == "array" else str(doc)
    if kind in ("choice",):
        return hint["choices"][0]["value"] if hint.get("choices") else None
    if kind == "multi_choice":
        return [hint["choices"][0]["value"]] if hint.get("choices") else []
    if kind == "address":
        return {"region": "浙江省丽水市莲都区", "detail": f"中山街{rng.randint(1, 300)}号"}
    if kind == "date":
        return date(2026, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
    if kind == "money":
        return int(spec.get("minimum") or 0) + 100_000
    if kind == "number":
        low = spec.get("minimum", 1)
        return max(low, min(spec.get("maximum", low + 100), low + rng.randint(1, 50)))
    if kind == "group":
        inner_hints = hint.get("fields") or {}
        item = {
            n: _value(inner_hints.get(n, {}).get("type", "text"), s, inner_hints.get(n, {}), rng, doc)
            for n, s in (spec.get("items", {}).get("properties") or {}).items()
        }
        return [item]
    if kind == "identity_number":
        return identity.fake_resident_id(rng)
    if kind == "phone":
        return f"139{rng.randint(10_000_000, 99_999_999)}"
    if spec.get("pattern") == "^[0-9]{17}[0-9X]$":  # an identity-number-shaped code (driving licences)
        return identity.fake_resident_id(rng)
    if "uscc" in spec.get("title", "").lower() or "credit code" in spec.get("title", "").lower():
        return identity.fake_uscc(rng)
    text = rng.choice(SHOPS)
    return text + "（演示）" if spec.get("maxLength", 100) >= 12 else text[: spec.get("maxLength", 4)]


def _answers(
    tenant: Tenant, applicant: Any, version: ports.Version, prefilled: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    """Answers for what the profile did not pre-fill."""
    hints = (version.ui_hints or {}).get("fields") or {}
    doc = None
    if ports.document_fields(version.form_schema):
        doc = ports.upload(ACTOR, tenant, applicant, "证明材料.pdf", DEMO_PDF, "application/pdf").pk
    answers = {}
    for name, spec in (version.form_schema.get("properties") or {}).items():
        if prefilled.get(name):
            continue
        hint = hints.get(name) or {}
        value = _value(hint.get("type", "text"), spec, hint, rng, doc)
        if value is not None:
            answers[name] = value
    return answers


def _driver(tenant: Tenant) -> Any:
    """A staff member who does the demo's case work (caseworker and supervisor, every department's
    queue). It has no password, and like every staff account a second factor (a secret nobody
    holds), so it can never sign in."""
    email = f"casework-bot@{tenant.slug}.demo"
    found = accounts_selectors.memberships(tenant).filter(user__email=email).first()
    if found is not None:
        return found
    member = accounts.add_member(
        ACTOR, tenant, email=email, kind="staff", full_name="办件演示", role_codes=["caseworker", "supervisor"]
    )
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(member.user, base64.b32encode(secrets.token_bytes(20)).decode())
    return member


def _step(tenant: Tenant, app: Application, driver: Any, prefer: str, rng: random.Random) -> Application:
    actions = services.available_actions(tenant, app, driver)
    chosen = next((a for a in actions if a.kind == prefer), None) or next(
        (a for a in actions if a.kind == "normal"), None
    )
    if chosen is None:
        raise DomainError("no action open to the demo driver")
    reason = {
        "approval": "材料齐全，符合法定条件。",
        "rejection": "经营场所面积不符合要求。",
        "correction": "请补正材料。",
    }.get(chosen.kind, "")
    version = ports.version(tenant, app.service_version_id)
    items = [next(iter(version.form_schema.get("properties") or {"x": 0}))] if chosen.kind == "correction" else None
    return services.act(
        ACTOR,
        tenant,
        app,
        driver,
        chosen.action,
        reason=reason,
        items=items,
        failed_requirement="经营场所" if chosen.kind == "rejection" else "",
    )


def _drive(tenant: Tenant, app: Application, target: str, driver: Any, rng: random.Random) -> None:
    if target == "withdrawn":
        services.withdraw(ACTOR, tenant, app, "申请人撤回（演示）")
        return
    if target == "in_progress":
        _step(tenant, app, driver, "normal", rng)
        return
    prefer = {"approved": "approval", "rejected": "rejection", "awaiting_correction": "correction"}.get(target)
    if prefer is None:
        return
    for _ in range(8):
        app = Application.objects.get(pk=app.pk)
        if app.status in (target, *Application.FINAL) or app.status == Application.Status.AWAITING_PAYMENT:
            return
        _step(tenant, app, driver, prefer, rng)


def load(tenant: Tenant, rng: random.Random) -> None:
    """Load this app's demo records for a city tenant (runs inside its tenant_context)."""
    if Application.objects.filter(tenant=tenant).exists():
        return
    driver = _driver(tenant)
    applicants = list(accounts_selectors.memberships(tenant).filter(kind__in=["citizen", "business"])[:16])
    if not applicants:
        return
    n = 0
    for service in ports.published_services(tenant):
        for target in TARGETS:
            applicant = applicants[n % len(applicants)]
            n += 1
            try:
                app = services.start(ACTOR, tenant, applicant, service.pk)
                version = ports.version(tenant, app.service_version_id)
                data = _answers(tenant, applicant, version, services.unseal_for_applicant(tenant, app), rng)
                if target == "draft":
                    services.save_draft(ACTOR, tenant, app, data)
                    continue
                app = services.submit(ACTOR, tenant, app, data)
                _drive(tenant, app, target, driver, rng)
            except DomainError as exc:
                log.info("demo application for %s (%s) stopped: %s", service.code, target, exc)
