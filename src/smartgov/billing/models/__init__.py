"""Billing tables: the database-backed ledger, bills and their lines, payments and refunds."""

from .bills import Bill, BillBatch, BillLine, CreditNote, LateChargeRule
from .ledger import LedgerAccount, LedgerHead, LedgerTransfer
from .payments import Payment, Refund

__all__ = [
    "Bill",
    "BillBatch",
    "BillLine",
    "CreditNote",
    "LateChargeRule",
    "LedgerAccount",
    "LedgerHead",
    "LedgerTransfer",
    "Payment",
    "Refund",
]
