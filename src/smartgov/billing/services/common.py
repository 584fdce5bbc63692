"""Helpers shared by the billing services: checking money, local dates, bill state, ledger accounts."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from smartgov.billing import chart
from smartgov.billing.models import Bill
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.ledger import MAX_AMOUNT, Transfer
from smartgov.tenancy.models import Tenant

from . import ledger


def currency() -> str:
    return str(getattr(settings, "BILLING_CURRENCY", "CNY"))


def fen(value: Any, field: str, *, allow_zero: bool = False) -> int:
    """An amount in fen: an integer (never a float, a bool or a string), positive, in range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.for_field(field, _("%(field)s must be a whole number of fen.") % {"field": field})
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput.for_field(field, _("%(field)s must be greater than zero.") % {"field": field})
    if value > MAX_AMOUNT:
        raise InvalidInput.for_field(field, _("%(field)s is too large.") % {"field": field})
    return value


def quantity(value: Any, field: str) -> Decimal:
    if isinstance(value, (bool, float)):
        # Floats cannot say 0.1 exactly; send quantities as strings or integers.
        raise InvalidInput.for_field(field, _("quantity must be an integer or a decimal string."))
    try:
        q = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput.for_field(field, _("quantity must be a number.")) from None
    if not q.is_finite() or q <= 0:
        raise InvalidInput.for_field(field, _("quantity must be greater than zero."))
    if q.as_tuple().exponent < -3 or q >= Decimal(10) ** 11:  # type: ignore[operator]
        raise InvalidInput.for_field(field, _("quantity has at most 3 decimals and 11 integer digits."))
    return q


def line_amount(q: Decimal, unit_price_fen: int) -> int:
    """Quantity × unit price, rounded half up to the fen (the rounding printed on the notice)."""
    return int((q * unit_price_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def local_today(tenant: Tenant) -> date:
    return clock.now().astimezone(ZoneInfo(tenant.time_zone or "Asia/Shanghai")).date()


def refresh_state(bill: Bill, today: date) -> None:
    """The state follows from the amounts and the date; only cancellation is sticky."""
    if bill.state == Bill.State.CANCELLED:
        return
    if bill.total_fen > 0 and bill.net_paid_fen >= bill.total_fen:
        bill.state = Bill.State.PAID
        if bill.paid_at is None:
            bill.paid_at = clock.now()
        return
    bill.paid_at = None
    if today > bill.due_date:
        bill.state = Bill.State.OVERDUE
    elif bill.net_paid_fen > 0:
        bill.state = Bill.State.PARTLY_PAID
    else:
        bill.state = Bill.State.ISSUED


def accounts_for_bill(tenant: Tenant, biller_code: str, cur: str, *, channel: str | None = None) -> dict[str, Any]:
    specs = [
        chart.receivable(biller_code, cur),
        chart.revenue(biller_code, cur),
        chart.late_charge_income(biller_code, cur),
    ]
    if channel is not None:
        specs += [chart.clearing(channel, cur), chart.refunds_payable(cur)]
    return ledger.ensure_accounts(tenant, specs)


def post_issued(tenant: Tenant, biller_code: str, cur: str, amount: int, *, source: str, source_id: Any) -> None:
    """Book what was billed (one bill, or one bulk batch): receivable of the biller ← its revenue."""
    accounts = accounts_for_bill(tenant, biller_code, cur)
    ledger.post(
        tenant,
        [
            Transfer(
                id=ledger.transfer_id(source, source_id, "issued"),
                debit_account_id=accounts[chart.receivable(biller_code).code].pk,
                credit_account_id=accounts[chart.revenue(biller_code).code].pk,
                amount=amount,
                ledger=chart.LEDGER,
                currency=cur,
                code=chart.ISSUE,
                refs={source: str(source_id)},
            )
        ],
    )


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜; enough for a payer to recognise, not to identify."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def payer_display_name(payer: Any) -> str:
    profile = getattr(payer, "profile", None) if _has_profile(payer) else None
    if profile is not None:
        return profile.company_name or profile.full_name
    return payer.user.full_name or payer.user.email.split("@")[0]


def _has_profile(payer: Any) -> bool:
    try:
        return payer.profile is not None
    except Exception:  # RelatedObjectDoesNotExist: a member without a profile
        return False
