"""Every write of the tax app: one function per use case, each in a transaction, each audited."""

from smartgov.tax.services.bureau import assess, configure_late_charges
from smartgov.tax.services.common import tax_bureau
from smartgov.tax.services.vat import file_vat_return, vat_period
from smartgov.tax.services.withholding import PayrollRejected, file_withholding_return, register_taxpayer
from smartgov.tax.services.workers import (
    ReconciliationClosed,
    check_window,
    compute_reconciliation,
    confirm_refund_paid,
    declare_deduction,
    file_reconciliation,
    window,
    withdraw_deduction,
)

__all__ = [
    "PayrollRejected",
    "ReconciliationClosed",
    "assess",
    "check_window",
    "compute_reconciliation",
    "configure_late_charges",
    "confirm_refund_paid",
    "declare_deduction",
    "file_reconciliation",
    "file_vat_return",
    "file_withholding_return",
    "register_taxpayer",
    "tax_bureau",
    "vat_period",
    "window",
    "withdraw_deduction",
]
