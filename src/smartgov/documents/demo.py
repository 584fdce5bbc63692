"""Demo data of the documents app for one demo city; called by `smartgov demo` (demo/world.py).

Must be idempotent: a second `smartgov demo` calls it again on the same data."""

from __future__ import annotations

import random

from smartgov.tenancy.models import Tenant


def load(tenant: Tenant, rng: random.Random) -> None:
    """Load this app's demo records for a city tenant (runs inside its tenant_context)."""
