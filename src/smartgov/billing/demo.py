"""Demo data of the billing app for one demo city; called by `smartgov demo` (demo/world.py).

Water bills for every demo citizen and a traffic fine for some, issued with ``source_type="demo"``
so a second run finds them (``issue_bill`` is idempotent per source) instead of issuing again; the
tax bureau gets its 0.05 %-a-day late charge rule."""

from __future__ import annotations

import random
from datetime import timedelta

from smartgov.accounts import selectors as accounts_selectors
from smartgov.audit.services import Actor
from smartgov.billing import services
from smartgov.billing.services.common import local_today
from smartgov.kit.errors import NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant

ACTOR = Actor.system("smartgov demo")
OFFENCES = [
    ("违法停车 Illegal parking", 20000),
    ("闯红灯 Running a red light", 20000),
    ("超速 10%-20% Speeding 10-20 %", 20000),
    ("未系安全带 No seat belt", 5000),
]


def load(tenant: Tenant, rng: random.Random) -> None:
    """Load this app's demo records for a city tenant (runs inside its tenant_context)."""
    try:
        water = tenancy_selectors.department_by_code(tenant, "water-utility")
        police = tenancy_selectors.department_by_code(tenant, "traffic-police")
        tax = tenancy_selectors.department_by_code(tenant, "tax-bureau")
    except NotFound:
        return  # not a demo city with the usual departments
    services.set_late_charge_rule(ACTOR, tenant, tax, rate_ppm=500, item="滞纳金 Late charge (0.05%/day)")
    today = local_today(tenant)
    citizens = list(accounts_selectors.memberships(tenant, "citizen").order_by("created_at"))
    for index, citizen in enumerate(citizens):
        usage = rng.randint(6, 30)
        services.issue_bill(
            ACTOR,
            tenant,
            biller=water,
            payer=citizen,
            lines=[
                {"item": "水费 Water", "quantity": usage, "unit_price_fen": 345},
                {"item": "污水处理费 Sewage", "quantity": usage, "unit_price_fen": 95},
            ],
            due_date=today + timedelta(days=20),
            title="水费 Water bill",
            source_type="demo",
            source_id=f"water:{index}",
        )
        if index % 3 == 0:
            item, fine = OFFENCES[rng.randrange(len(OFFENCES))]
            services.issue_bill(
                ACTOR,
                tenant,
                biller=police,
                payer=citizen,
                lines=[{"item": item, "quantity": 1, "unit_price_fen": fine}],
                due_date=today + timedelta(days=15),
                title="交通违法罚款 Traffic fine",
                source_type="demo",
                source_id=f"fine:{index}",
            )
