"""Idempotency records: the first answer to a POST that moves money or submits something, kept so
that a retry with the same ``Idempotency-Key`` gets the same answer and causes no second effect."""

from __future__ import annotations

from django.db import models

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import TenantOwned


class IdempotencyRecord(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    caller = models.CharField(max_length=80, help_text="actor type:id of the caller the key belongs to")
    operation = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the canonical request body")
    # Empty while the first request runs (the row claims the key); set in the same transaction.
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "caller", "operation", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]
