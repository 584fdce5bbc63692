"""Events other apps may listen to (import them from ``billing.services``).

``bill_paid`` is sent after the transaction that made a bill paid has committed, with
``tenant_id``, ``bill_id``, ``source_type`` and ``source_id`` as keyword arguments. Receivers must be
idempotent: a redelivered notification never sends it twice, but a receiver should not rely on that.
"""

from django.dispatch import Signal

bill_paid = Signal()
bill_cancelled = Signal()
