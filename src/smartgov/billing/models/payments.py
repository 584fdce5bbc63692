"""Payments through a channel, and refunds of them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned

from .bills import Bill


class Payment(TenantOwned):
    class State(models.TextChoices):
        CREATED = "created", _("Created")  # the checkout is open; nothing heard yet
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    channel = models.CharField(max_length=40)
    # Our reference, sent to the provider as out_trade_no: "<payment code>-<suffix>", so a
    # notification names the bill it pays and we can check it against the payment.
    out_trade_no = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=16, choices=State.choices, default=State.CREATED)
    provider_reference = models.CharField(max_length=128, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    return_url = models.URLField(max_length=1000, blank=True)
    refunded_fen = models.BigIntegerField(default=0)  # succeeded refunds
    refund_reserved_fen = models.BigIntegerField(default=0)  # succeeded + in-flight refunds
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # Settlement, filled in by reconciliation against the provider's daily statement.
    settled_on = models.DateField(null=True, blank=True)
    settlement_fee_fen = models.BigIntegerField(null=True, blank=True)
    settlement_amount_fen = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "out_trade_no"], name="payment_out_trade_no_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refund_reserved_fen__lte=models.F("amount_fen")), name="payment_no_over_refund"
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("refund_reserved_fen")), name="payment_refunded_le_reserved"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "state", "created_at"], name="payment_state_idx")]

    @property
    def refund_amount_available(self) -> int:
        if self.state != self.State.SUCCEEDED:
            return 0
        return self.amount_fen - self.refund_reserved_fen


class Refund(TenantOwned):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    provider_reference = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "out_refund_no"], name="refund_out_refund_no_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
        ]
