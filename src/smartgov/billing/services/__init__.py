"""Every write of the billing app. Other apps use these (and ``billing.selectors``):

- ``issue_bill(actor, tenant, *, biller, payer, lines, due_date, source_type="", source_id="")``
  issues a bill (idempotent per source) and returns it;
- ``bill_paid`` / ``bill_cancelled``: signals sent after commit, with ``tenant_id``, ``bill_id``,
  ``source_type`` and ``source_id``;
- ``cancel_bill``, ``add_credit_note``: corrections, never edits;
- ``record_settlements``: what a provider's statement settled, written onto the payments
  (reconciliation's import calls it).

See docs/ledger.md for the contract.
"""

from smartgov.billing.channels import ProviderUnavailable
from smartgov.billing.signals import bill_cancelled, bill_paid

from .bills import (
    LineIn,
    accrue_late_charges,
    add_credit_note,
    cancel_bill,
    issue_bill,
    mark_overdue,
    set_late_charge_rule,
)
from .bulk import WaterTariff, bulk_issue_water
from .payments import (
    apply_result,
    create_payment,
    handle_notification,
    open_payment,
    start_checkout,
)
from .polling import poll_stale_payments
from .refunds import refund_payment, request_refund, retry_pending_refund, submit_refund
from .settlement import Settlement, record_settlements

__all__ = [
    "LineIn",
    "ProviderUnavailable",
    "Settlement",
    "WaterTariff",
    "accrue_late_charges",
    "add_credit_note",
    "apply_result",
    "bill_cancelled",
    "bill_paid",
    "bulk_issue_water",
    "cancel_bill",
    "create_payment",
    "handle_notification",
    "issue_bill",
    "mark_overdue",
    "open_payment",
    "poll_stale_payments",
    "record_settlements",
    "refund_payment",
    "request_refund",
    "retry_pending_refund",
    "set_late_charge_rule",
    "start_checkout",
    "submit_refund",
]
