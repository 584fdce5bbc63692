"""Receipts: one signed e-receipt per succeeded payment, numbered per tenant and year.

The signed bytes are the canonical JSON of ``content`` (see ``document.canonical``); the PDF is
rendered from the same content whenever it is asked for (``kit.pdf`` renders invariantly: the same
content gives the same bytes), so nothing but the content and its signature is stored.
"""

from __future__ import annotations

from django.db import models

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class Receipt(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Exactly one receipt per payment: the unique constraint, not a check in Python, is what holds
    # when the signal, the sweep and the payer's page race to issue it.
    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    content = models.JSONField()
    signature_algorithm = models.CharField(max_length=16)
    public_key = models.CharField(max_length=200)
    signature = models.TextField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "payment"], name="receipt_one_per_payment"),
            models.UniqueConstraint(fields=["tenant", "number"], name="receipt_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptSequence(TenantOwned):
    """The last receipt number handed out in a year; locked while numbering, so numbers never repeat."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="receipt_sequence_per_year")]
