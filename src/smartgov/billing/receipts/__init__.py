"""Fiscal-style electronic receipts for successful payments: numbered, signed, QR-verifiable PDFs.
A Django app of its own inside billing."""
