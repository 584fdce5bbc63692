"""The double-entry ledger in PostgreSQL (or SQLite): the same rules as ``smartgov.ledger``.

Transfers are immutable rows; an account's four balance columns are a cache of the fold of its
transfers, written in the same transaction as the transfers and proven equal to that fold by
``smartgov ledger verify``. Every write to a tenant's ledger first locks that tenant's ``LedgerHead``
row, which serialises the tenant's postings (as TigerBeetle's single writer does) and hands out the
strictly increasing sequence numbers and timestamps that order the log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


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

    id = models.UUIDField(primary_key=True, editable=False)  # the caller's id: the idempotency key
    seq = models.BigIntegerField()
    timestamp = models.DateTimeField()
    phase = models.CharField(max_length=16)
    debit_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    credit_account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    ledger = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    code = models.CharField(max_length=40)
    # At most one transfer may resolve a pending transfer: the unique index is what stops two
    # concurrent posts, whatever the application checks said.
    pending_id = models.UUIDField(null=True, blank=True, unique=True)
    timeout = models.BigIntegerField(default=0)
    linked = models.BooleanField(default=False)
    refs = models.JSONField(default=dict)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="ledger_transfer_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_transfer_amount_positive"),
        ]
        indexes = [models.Index(fields=["tenant", "code"], name="ledger_transfer_code_idx")]
