"""Demo data of the notices app for one demo city; called by `smartgov demo` (demo/world.py).

Must be idempotent: a second `smartgov demo` calls it again on the same data. The demo citizen's
inbox gets a few messages through the real ``notify`` (so they go out by e-mail and SMS to the
demo outboxes too), one of them already read."""

from __future__ import annotations

import random
from datetime import timedelta

from smartgov.accounts import selectors as accounts_selectors
from smartgov.kit import clock
from smartgov.notices import selectors, services
from smartgov.tenancy.models import Tenant


def load(tenant: Tenant, rng: random.Random) -> None:
    """Give the demo citizen some inbox messages (runs inside the tenant's context)."""
    citizen = next(
        (m for m in accounts_selectors.memberships(tenant, "citizen") if m.user.email == f"citizen@{tenant.slug}.demo"),
        None,
    )
    if citizen is None or selectors.inbox(tenant, citizen).exists():
        return
    today = clock.local_now().date()
    prefix = tenant.reference_prefix
    first = f"{prefix}-{today.year}-{rng.randint(100, 999):06d}"
    second = f"{prefix}-{today.year}-{rng.randint(1000, 1999):06d}"
    portal = f"/{tenant.slug}/documents/"
    read = services.notify_now(tenant, citizen, "application_submitted",
                           {"service": "居住证办理", "reference": first, "deadline": today + timedelta(days=10)})
    services.mark_read(tenant, citizen, read)
    services.notify_now(tenant, citizen, "certificate_issued",
                    {"service": "居住证办理", "reference": first, "certificate": "居住证明",
                     "valid_until": today.replace(year=today.year + 1)}, link=portal)
    services.notify_now(tenant, citizen, "correction_requested",
                    {"service": "食品经营许可", "reference": second, "items": "请补充营业场所平面图。",
                     "deadline": today + timedelta(days=5)})
    services.notify_now(tenant, citizen, "bill_issued",
                    {"amount": "¥36.80", "bill_reference": f"{prefix}-BL-{today.year}-{rng.randint(1, 99999):06d}",
                     "due_date": today + timedelta(days=15), "description": "2026年11月自来水费"})
