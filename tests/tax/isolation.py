"""Teaches the isolation walk (tests/architecture/test_isolation_walk.py) the tax operations' bodies."""

BODIES = {
    "WagesMonthIn": {"period": "2024-05", "months_employed": 1, "cumulative_income": 1000000},
    "WagesYearIn": {"year": 2024, "months": [{"month": 1, "income": 1000000}]},
    "WithholdingPaymentIn": {"kind": "labour_remuneration", "payment": 300000, "period": "2024-05"},
    "ReconciliationIn": {"year": 2024, "employers": [{"employer": "walk", "wages": 10000000}]},
    "VatIn": {"period": "2024Q2", "sales_ordinary": 100000},
}


from tests.tax.filing.isolation import BODIES as _FILING  # noqa: E402
from tests.tax.filing.isolation import objects  # noqa: E402, F401

BODIES.update(_FILING)
