"""Settlement statements, their lines, and the differences found matching them against our payments.

A statement is one channel's file for one (provider-local) day. Importing it matches every line and
writes a ``Difference`` for each thing that does not agree; a statement is closed only when no
difference is open. Lines and differences are never edited after import: a resolution is added to
the difference, with who, when and why.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class Statement(TenantOwned):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    channel = models.CharField(max_length=40)
    day = models.DateField()
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    lines_count = models.PositiveIntegerField(default=0)
    payments_fen = models.BigIntegerField(default=0)
    refunds_fen = models.BigIntegerField(default=0)
    fees_fen = models.BigIntegerField(default=0)
    net_fen = models.BigIntegerField(default=0)  # what the provider pays out for the day
    fees_listed = models.BooleanField(default=True)  # False: the file has no fee column (a bank statement)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-day", "channel"]
        constraints = [models.UniqueConstraint(fields=["tenant", "channel", "day"], name="statement_one_per_day")]


class StatementLine(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=8)  # payment | refund
    out_trade_no = models.CharField(max_length=64, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)
    provider_reference = models.CharField(max_length=128, blank=True)
    amount_fen = models.BigIntegerField()
    fee_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    settled_on = models.DateField()
    payment = models.ForeignKey("billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey("billing.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    matched = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["statement", "position"], name="statement_line_position")]


class Difference(TenantOwned):
    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", _("On the statement, not in our records")
        MISSING_STATEMENT = "missing_statement", _("In our records, not on the statement")
        AMOUNT = "amount_mismatch", _("Amounts differ")
        CURRENCY = "currency_mismatch", _("Currencies differ")
        STATE = "state_mismatch", _("Settled, but not succeeded in our records")
        DUPLICATE = "duplicate_line", _("The statement lists it twice")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    line = models.ForeignKey(StatementLine, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey("billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey("billing.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=64)  # out_trade_no / out_refund_no, for people and the CSV
    ours_fen = models.BigIntegerField(null=True, blank=True)
    theirs_fen = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    resolution = models.CharField(max_length=1000, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(resolution=""), name="difference_resolved_with_reason"
            ),
        ]
