"""Append-only audit events, hash-chained per tenant (tenant NULL: the platform's own chain)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from smartgov.kit.ids import uuid7
from smartgov.tenancy.models import Tenant


class AppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit events cannot be updated.")

    def delete(self) -> NoReturn:
        raise AppendOnly("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """The end of one chain; locked (SELECT ... FOR UPDATE) while an event is appended."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, null=True, on_delete=models.PROTECT, related_name="+")
    chain_key = models.CharField(max_length=40, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain_key}@{self.last_seq}"


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, null=True, on_delete=models.PROTECT, related_name="+")
    chain_key = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor_type = models.CharField(max_length=16)  # user, api_client, system
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["chain_key", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            models.Index(fields=["tenant", "created_at"]),
            models.Index(fields=["tenant", "object_type", "object_id"]),
            models.Index(fields=["tenant", "actor_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.chain_key}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit events cannot be deleted.")

    def chain_content(self) -> dict[str, Any]:
        """Exactly what the hash covers."""
        return {
            "id": str(self.id),
            "tenant": str(self.tenant_id) if self.tenant_id else None,
            "seq": self.seq,
            "created_at": self.created_at.isoformat(),
            "actor": [self.actor_type, self.actor_id, self.actor_label],
            "action": self.action,
            "object": [self.object_type, self.object_id],
            "changes": self.changes,
            "request_id": self.request_id,
            "ip": self.ip,
        }
