"""Demo data of the tax app for one demo city; called by `smartgov demo` (demo/world.py).

Idempotent: the demo businesses are registered once; a return is filed only for a period the agent
has not filed; the tax officer gets the tax-officer role once.

- the first two demo businesses are withholding agents with returns for January–June of last year
  for demo citizens (the first citizen works for both, so the reconciliation has two employers);
- the second is also a quarterly small-scale VAT taxpayer with one return (last year's Q4).
"""

from __future__ import annotations

import csv
import io
import random

from smartgov.accounts import selectors as accounts_selectors
from smartgov.accounts import services as accounts
from smartgov.audit.services import Actor
from smartgov.kit import clock
from smartgov.tax import selectors, services
from smartgov.tenancy import keys
from smartgov.tenancy.models import Tenant

ACTOR = Actor.system("demo")
MONTHS = 6


def load(tenant: Tenant, rng: random.Random) -> None:
    """Load this app's demo records for a city tenant (runs inside its tenant_context)."""
    year = clock.local_now().year - 1
    businesses = [
        m for m in accounts_selectors.memberships(tenant, "business") if getattr(m, "profile", None) and m.profile.uscc
    ][:2]
    citizens = [
        m
        for m in accounts_selectors.memberships(tenant, "citizen")
        if getattr(m, "profile", None) and m.profile.id_number_cipher
    ][:8]
    if len(businesses) < 2 or not citizens:
        return
    services.configure_late_charges(ACTOR, tenant)
    _grant_tax_officer(tenant)
    agents = []
    for i, business in enumerate(businesses):
        existing = selectors.taxpayers_of(tenant, business).first()
        agents.append(
            existing
            or services.register_taxpayer(ACTOR, tenant, business, small_scale_vat=i == 1, vat_periodicity="quarter")
        )
    ids = [keys.decrypt(tenant, c.profile.id_number_cipher, "profile.id_number") for c in citizens]
    staff = {agents[0].pk: ids[:5], agents[1].pk: [ids[0], *ids[5:]]}
    salaries = {i: rng.choice([8000, 12000, 18000, 26000, 32000]) for i in ids}
    for agent in agents:
        for month in range(1, MONTHS + 1):
            period = f"{year}-{month:02d}"
            if selectors.withholding_returns(tenant, agent=agent, period=period, live_only=True).exists():
                continue
            services.file_withholding_return(
                ACTOR,
                tenant,
                agent,
                period=period,
                data=_payroll(staff[agent.pk], salaries, agent.pk == agents[1].pk),
                filename="payroll.csv",
            )
    vat_payer = agents[1]
    if not selectors.vat_returns(tenant, vat_payer).filter(period=f"{year}-Q4").exists():
        services.file_vat_return(
            ACTOR, tenant, vat_payer, period=f"{year}-Q4", sales=42_000_000, special_invoice_sales=5_000_000
        )


def _payroll(ids: list[str], salaries: dict[str, int], part_time: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id_number", "name", "wages", "social_insurance", "special_additional"])
    for number in ids:
        wages = salaries[number] // 3 if part_time else salaries[number]
        writer.writerow([number, "演示员工", wages, wages * 15 // 100, 0 if part_time else 2000])
    return out.getvalue().encode()


def _grant_tax_officer(tenant: Tenant) -> None:
    officer = accounts_selectors.memberships(tenant).filter(user__email=f"tax@{tenant.slug}.demo").first()
    if officer is not None and not officer.roles.filter(code="tax_officer").exists():
        codes = sorted({*officer.roles.values_list("code", flat=True), "tax_officer"})
        accounts.set_member_roles(ACTOR, tenant, officer, codes)
