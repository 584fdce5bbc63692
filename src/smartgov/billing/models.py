"""Billing tables: the database-backed ledger, bills and their lines, payments and refunds.

The ledger: transfers are immutable rows; an account's four balance columns are a cache of the fold
of its transfers, written in the same transaction as the transfers and proven equal to that fold by
``smartgov ledger verify``. Every write to a tenant's ledger first locks that tenant's ``LedgerHead``
row, which serialises the tenant's postings (as TigerBeetle's single writer does) and hands out the
strictly increasing sequence numbers and timestamps that order the log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import Department, Tenant, TenantOwned


class LedgerHead(TenantOwned):
    """One row per tenant: the last sequence number and timestamp of its ledger."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    last_seq = models.BigIntegerField(default=0)
    last_timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="ledger_head_one_per_tenant")]


class LedgerAccount(TenantOwned):
    """An account (``ledger.model.Account``) plus its cached balance."""

    class Normal(models.TextChoices):
        DEBIT = "debit", "debit"
        CREDIT = "credit", "credit"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    code = models.CharField(max_length=120)
    ledger = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    normal = models.CharField(max_length=6, choices=Normal.choices)
    debits_must_not_exceed_credits = models.BooleanField(default=False)
    credits_must_not_exceed_debits = models.BooleanField(default=False)
    # The cached balance: only the posting service writes these, in the transfer's transaction.
    debits_pending = models.BigIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ledger", "code", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ledger", "code", "currency"], name="ledger_account_code_unique"),
            models.CheckConstraint(
                condition=~(Q(debits_must_not_exceed_credits=True) & Q(credits_must_not_exceed_debits=True)),
                name="ledger_account_flags_exclusive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"


class LedgerTransfer(TenantOwned):
    """A stored, resolved transfer (``ledger.model.Transfer`` with every field filled in)."""

    # The (tenant, seq) unique index serves every look-up by tenant; a second index on tenant alone
    # would only slow the insert path down. No database foreign key either: row-level security
    # already pins every row to the session's tenant, rows are written only under that tenant's
    # ledger head (which has its foreign key), and the deferred check, one look-up per row at
    # commit, cost about a tenth of the batched posting time (docs/ledger.md). Deleting a tenant
    # through Django is still refused while it has transfers (PROTECT is Django's, not the database's).
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    id = models.UUIDField(primary_key=True, editable=False)  # the caller's id: the idempotency key
    seq = models.BigIntegerField()
    timestamp = models.DateTimeField()
    phase = models.CharField(max_length=16)
    # No database foreign keys here, on purpose: the posting engine admits a transfer only after
    # reading both accounts under the tenant's head lock, accounts are never deleted, and
    # ``ledger verify`` reports a transfer naming an unknown account. A foreign-key check per side
    # per row would cost a third of the batched posting throughput.
    # No index on either account: nothing looks transfers up by account (statements read the
    # tenant's log in seq order), and each index was one more insertion per row on the posting
    # path. An account history, when it comes, wants (account, seq) anyway.
    debit_account = models.ForeignKey(
        LedgerAccount, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    credit_account = models.ForeignKey(
        LedgerAccount, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    amount = models.BigIntegerField()
    ledger = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    code = models.CharField(max_length=40)
    # At most one transfer may resolve a pending transfer: the unique index is what stops two
    # concurrent posts, whatever the application checks said. It is partial (Meta): most transfers
    # resolve nothing, and indexing their NULLs was one more insertion per row for no lookup.
    pending_id = models.UUIDField(null=True, blank=True)
    timeout = models.BigIntegerField(default=0)
    linked = models.BooleanField(default=False)
    refs = models.JSONField(default=dict)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="ledger_transfer_seq_unique"),
            models.UniqueConstraint(
                fields=["pending_id"], condition=Q(pending_id__isnull=False), name="ledger_transfer_resolves_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"),
        ]


class BillBatch(TenantOwned):
    """One bulk issuance (a CSV or XLSX upload): bills issued in it point back here."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    biller = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    kind = models.CharField(max_length=40, default="water")
    rows = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True)


class Bill(TenantOwned):
    class State(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("bill state", "Issued")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        CANCELLED = "cancelled", _("Cancelled")

    # (tenant, payment_code) and the other composite indexes lead with the tenant; a lone tenant
    # index would only slow bulk issuance down.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    payment_code = models.CharField(max_length=20)
    biller = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    # Kept masked at issue, so the public look-up never decrypts or joins personal data.
    payer_name_masked = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, default="CNY")
    # Money, all integer fen. total = lines - credited; outstanding = total - (paid - refunded).
    lines_fen = models.BigIntegerField(default=0)
    credited_fen = models.BigIntegerField(default=0)
    paid_fen = models.BigIntegerField(default=0)
    refunded_fen = models.BigIntegerField(default=0)
    # Payments started but not yet heard back: counted against what may still be paid, so two
    # checkouts cannot both collect the same outstanding amount.
    in_flight_fen = models.BigIntegerField(default=0)
    due_date = models.DateField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.ISSUED)
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    batch = models.ForeignKey(BillBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="bills")
    issued_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "payment_code"], name="bill_payment_code_unique"),
            models.CheckConstraint(condition=Q(paid_fen__gte=models.F("refunded_fen")), name="bill_refund_le_paid"),
            models.CheckConstraint(condition=Q(in_flight_fen__gte=0), name="bill_in_flight_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["tenant", "payer", "issued_at"], name="bill_payer_idx"),
            models.Index(fields=["tenant", "biller", "state"], name="bill_biller_state_idx"),
            models.Index(fields=["tenant", "source_type", "source_id"], name="bill_source_idx"),
        ]

    def __str__(self) -> str:
        return self.payment_code

    @property
    def total_fen(self) -> int:
        return self.lines_fen - self.credited_fen

    @property
    def net_paid_fen(self) -> int:
        return self.paid_fen - self.refunded_fen

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.total_fen - self.net_paid_fen)

    @property
    def payable_fen(self) -> int:
        """What a new payment may still collect."""
        if self.state == self.State.CANCELLED:
            return 0
        return max(0, self.outstanding_fen - self.in_flight_fen)


class BillLine(TenantOwned):
    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        LATE_CHARGE = "late_charge", _("Late charge")

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=False)  # lines go by bill
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CHARGE)
    item = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit_price_fen = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    accrued_on = models.DateField(null=True, blank=True)  # late charges: the local day they cover

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "position"], name="bill_line_position_unique"),
            # One late charge per bill and day, whoever runs the daily task how often.
            models.UniqueConstraint(
                fields=["bill", "accrued_on"], condition=Q(kind="late_charge"), name="bill_line_late_once_a_day"
            ),
        ]


class CreditNote(TenantOwned):
    """A correction: reduces what a bill asks for. Bills are never edited."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="credit_notes")
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="credit_note_positive")]


class LateChargeRule(TenantOwned):
    """A biller's late charge: ``rate_ppm`` millionths of the overdue principal per day after
    ``grace_days`` (0.05 % a day on overdue tax is 500 ppm)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    biller = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    rate_ppm = models.PositiveIntegerField()
    grace_days = models.PositiveIntegerField(default=0)
    item = models.CharField(max_length=200, default="滞纳金 Late charge")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "biller"], name="late_charge_rule_one_per_biller")]


class Payment(TenantOwned):
    class State(models.TextChoices):
        CREATED = "created", pgettext_lazy("payment state", "Created")  # the checkout is open; nothing heard yet
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", pgettext_lazy("transaction state", "Failed")
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
    # Channels without a hosted page (bank transfer): what the payer must do (payee, account, note).
    checkout_instructions = models.JSONField(default=dict, blank=True)
    # When the channel's answer to the checkout was recorded. The payment row is committed before the
    # channel is called (no transaction is held while it answers), so a payment still without one is
    # either being opened right now or was left behind by a process that died in between.
    checkout_at = models.DateTimeField(null=True, blank=True)
    notify_url = models.URLField(max_length=1000, blank=True)
    return_url = models.URLField(max_length=1000, blank=True)
    refunded_fen = models.BigIntegerField(default=0)  # succeeded refunds
    refund_reserved_fen = models.BigIntegerField(default=0)  # succeeded + in-flight refunds
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # Settlement, filled in by reconciliation when the provider's daily statement lists the payment:
    # the day it settled, the amount and fee the provider put on the line (no fee where the statement
    # carries none: bank transfers) and the statement it came in. The first statement to list it wins
    # (statements are never deleted; if one were, the next statement listing the payment would write these).
    settled_on = models.DateField(null=True, blank=True)
    settlement_fee_fen = models.BigIntegerField(null=True, blank=True)
    settlement_amount_fen = models.BigIntegerField(null=True, blank=True)
    settlement_statement = models.ForeignKey(
        "billing_reconciliation.Statement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
        FAILED = "failed", pgettext_lazy("transaction state", "Failed")

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
