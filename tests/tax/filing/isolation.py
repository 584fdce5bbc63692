"""Teaches the isolation walk the tax filing operations: their bodies, and objects of each tenant
for the paths that name one (a withholding return; the reconciliation year).

To be picked up, ``tests/tax/isolation.py`` merges these (the lead's edit, see the report):
``from tests.tax.filing.isolation import BODIES as _FILING, objects`` and ``BODIES.update(_FILING)``.
"""

from __future__ import annotations

from typing import Any

BODIES = {
    "TaxpayerIn": {"membership_id": "01936f6e-0000-7000-8000-000000000000"},
    "WithholdingReturnIn": {"uscc": "91331102MA2XXXXX0X", "period": "2025-01", "content_base64": ""},
    "DeductionIn": {"year": 2025, "kind": "housing_loan"},
    "VatReturnIn": {"uscc": "91331102MA2XXXXX0X", "period": "2025-Q1", "sales": 0},
    "AssessmentIn": {"period": "2025-01"},
}


def objects(tenant: Any) -> dict[str, Any]:
    from tests.tax.filing.helpers import employee, file, make_agent, make_worker, payroll_csv

    agent = make_agent(tenant)
    _worker, id_number = make_worker(tenant)
    filed = file(tenant, agent, "2025-01", payroll_csv([employee(id_number)]))
    return {"return_id": filed.pk, "year": 2025}
