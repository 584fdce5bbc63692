"""Issuing, correcting and cancelling bills, and accruing late charges."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.billing import chart, paycode
from smartgov.billing.models import Bill, BillLine, CreditNote, LateChargeRule
from smartgov.billing.signals import bill_cancelled
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.ledger import Transfer
from smartgov.tenancy.models import Department, Tenant

from . import ledger
from .common import (
    accounts_for_bill,
    currency,
    fen,
    line_amount,
    local_today,
    mask_name,
    payer_display_name,
    post_issued,
    quantity,
    refresh_state,
)

MAX_LINES = 200


@dataclass(frozen=True)
class LineIn:
    item: str
    quantity: Decimal | int | str
    unit_price_fen: int


def _line(value: LineIn | Mapping[str, Any], index: int) -> tuple[str, Decimal, int, int]:
    data = value.__dict__ if isinstance(value, LineIn) else dict(value)
    prefix = f"lines.{index}"
    item = data.get("item")
    if not isinstance(item, str) or not item.strip() or len(item) > 200:
        raise InvalidInput.for_field(f"{prefix}.item", _("item must be 1-200 characters."))
    q = quantity(data.get("quantity"), f"{prefix}.quantity")
    unit = fen(data.get("unit_price_fen"), f"{prefix}.unit_price_fen")
    return item.strip(), q, unit, line_amount(q, unit)


def _check_parties(tenant: Tenant, biller: Department, payer: Any) -> None:
    if getattr(biller, "tenant_id", None) != tenant.pk:
        raise InvalidInput.for_field("biller", _("No such biller in this tenant."), code="unknown_biller")
    if getattr(payer, "tenant_id", None) != tenant.pk or not getattr(payer, "is_active", False):
        raise InvalidInput.for_field("payer", _("No such payer in this tenant."), code="unknown_payer")


def new_payment_code(tenant: Tenant) -> str:
    for _attempt in range(5):
        code = paycode.new_code()
        if not Bill.objects.filter(tenant=tenant, payment_code=code).exists():
            return code
    raise RuntimeError("could not find a free payment code")  # 10^19 codes: practically unreachable


@transaction.atomic
def issue_bill(
    actor: Actor,
    tenant: Tenant,
    *,
    biller: Department,
    payer: Any,
    lines: Iterable[LineIn | Mapping[str, Any]],
    due_date: date,
    source_type: str = "",
    source_id: str = "",
    title: str = "",
) -> Bill:
    """Issue a bill and book it (receivable ← revenue). With ``source_type``/``source_id`` the call
    is idempotent: the source's live (not cancelled) bill is returned instead of a second one."""
    _check_parties(tenant, biller, payer)
    if not isinstance(due_date, date):
        raise InvalidInput.for_field("due_date", _("due_date must be a date."))
    if len(source_type) > 40 or len(source_id) > 64:
        raise InvalidInput.for_field("source_id", _("source_type/source_id are too long."))
    parsed = [_line(line, i) for i, line in enumerate(lines)]
    if not parsed:
        raise InvalidInput.for_field("lines", _("A bill needs at least one line."))
    if len(parsed) > MAX_LINES:
        raise InvalidInput.for_field("lines", _("A bill has at most %(n)d lines.") % {"n": MAX_LINES})
    total = sum(p[3] for p in parsed)
    if total <= 0:
        raise InvalidInput.for_field("lines", _("A bill's total must be greater than zero."))
    if source_type and source_id:
        existing = (
            Bill.objects.select_for_update()
            .filter(tenant=tenant, source_type=source_type, source_id=source_id)
            .exclude(state=Bill.State.CANCELLED)
            .first()
        )
        if existing is not None:
            return existing
    now = clock.now()
    cur = currency()
    bill = Bill(
        tenant=tenant,
        payment_code=new_payment_code(tenant),
        biller=biller,
        payer=payer,
        payer_name_masked=mask_name(payer_display_name(payer)),
        title=title[:200],
        currency=cur,
        lines_fen=total,
        due_date=due_date,
        source_type=source_type,
        source_id=source_id,
        issued_at=now,
        updated_at=now,
    )
    refresh_state(bill, local_today(tenant))
    bill.save(force_insert=True)
    BillLine.objects.bulk_create(
        [
            BillLine(
                tenant=tenant, bill=bill, position=i + 1, item=item, quantity=q, unit_price_fen=unit, amount_fen=amount
            )
            for i, (item, q, unit, amount) in enumerate(parsed)
        ]
    )
    post_issued(tenant, biller.code, cur, total, source="bill", source_id=bill.pk)
    record(
        actor=actor,
        tenant=tenant,
        action="billing.bill_issued",
        obj=bill,
        changes={
            "payment_code": bill.payment_code,
            "biller": biller.code,
            "payer": str(payer.pk),
            "total_fen": total,
            "lines": len(parsed),
            "due_date": due_date.isoformat(),
            "source": f"{source_type}:{source_id}" if source_type else "",
        },
    )
    return bill


def lock_bill(tenant: Tenant, bill_id: Any) -> Bill:
    return Bill.objects.select_for_update().select_related("biller").get(tenant=tenant, pk=bill_id)


@transaction.atomic
def add_credit_note(actor: Actor, tenant: Tenant, bill: Bill, *, amount_fen: Any, reason: str) -> CreditNote:
    """Reduce what a bill asks for. If the payer already paid more than the new total, the excess
    is refunded: reserved here, sent to the channel once this transaction has committed."""
    amount = fen(amount_fen, "amount_fen")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the bill is corrected."))
    bill = lock_bill(tenant, bill.pk)
    if bill.state == Bill.State.CANCELLED:
        raise Conflict(_("The bill is cancelled."), code="bill_cancelled")
    if amount > bill.total_fen:
        raise InvalidInput.for_field(
            "amount_fen", _("A credit note cannot exceed the bill's total (%(total)d fen).") % {"total": bill.total_fen}
        )
    note = _credit(actor, tenant, bill, amount, reason)
    refresh_state(bill, local_today(tenant))
    bill.updated_at = clock.now()
    bill.save()
    from .refunds import refund_excess  # refunds import bills' helpers; import here to avoid a cycle

    refund_excess(actor, tenant, bill, reason=reason)
    return note


def _credit(actor: Actor, tenant: Tenant, bill: Bill, amount: int, reason: str) -> CreditNote:
    note = CreditNote.objects.create(
        tenant=tenant, bill=bill, amount_fen=amount, reason=reason[:500], created_at=clock.now(), created_by=actor.label
    )
    bill.credited_fen += amount
    accounts = accounts_for_bill(tenant, bill.biller.code, bill.currency)
    ledger.post(
        tenant,
        [
            Transfer(
                id=ledger.transfer_id("credit_note", note.pk),
                debit_account_id=accounts[chart.revenue(bill.biller.code).code].pk,
                credit_account_id=accounts[chart.receivable(bill.biller.code).code].pk,
                amount=amount,
                ledger=chart.LEDGER,
                currency=bill.currency,
                code=chart.CREDIT_NOTE,
                refs={"bill": str(bill.pk), "credit_note": str(note.pk)},
            )
        ],
    )
    record(
        actor=actor,
        tenant=tenant,
        action="billing.credit_note_issued",
        obj=note,
        changes={"bill": str(bill.pk), "amount_fen": amount, "reason": reason[:500]},
    )
    return note


@transaction.atomic
def cancel_bill(actor: Actor, tenant: Tenant, bill: Bill, *, reason: str) -> Bill:
    """Cancel a bill: a credit note for what it still asks, and a refund of whatever was paid."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the bill is cancelled."))
    bill = lock_bill(tenant, bill.pk)
    if bill.state == Bill.State.CANCELLED:
        raise Conflict(_("The bill is already cancelled."), code="bill_cancelled")
    if bill.in_flight_fen:
        raise Conflict(
            _("A payment of this bill is in progress; try again when it has finished."), code="payment_in_progress"
        )
    if bill.total_fen > 0:
        _credit(actor, tenant, bill, bill.total_fen, reason)
    bill.state = Bill.State.CANCELLED
    bill.cancelled_at = bill.updated_at = clock.now()
    bill.save()
    record(actor=actor, tenant=tenant, action="billing.bill_cancelled", obj=bill, changes={"reason": reason[:500]})
    from .refunds import refund_excess

    refund_excess(actor, tenant, bill, reason=reason)
    tenant_id, bill_id, source = tenant.pk, bill.pk, (bill.source_type, bill.source_id)
    transaction.on_commit(
        lambda: bill_cancelled.send(
            sender=Bill, tenant_id=tenant_id, bill_id=bill_id, source_type=source[0], source_id=source[1]
        )
    )
    return bill


# -- late charges and overdue ------------------------------------------------------------------


def set_late_charge_rule(
    actor: Actor, tenant: Tenant, biller: Department, *, rate_ppm: int, grace_days: int = 0, item: str = ""
) -> LateChargeRule:
    with transaction.atomic():
        if biller.tenant_id != tenant.pk:
            raise InvalidInput.for_field("biller", _("No such biller in this tenant."))
        if isinstance(rate_ppm, bool) or not isinstance(rate_ppm, int) or not 0 < rate_ppm <= 100_000:
            raise InvalidInput.for_field("rate_ppm", _("rate_ppm must be between 1 and 100000 (10 % a day)."))
        if isinstance(grace_days, bool) or not isinstance(grace_days, int) or not 0 <= grace_days <= 365:
            raise InvalidInput.for_field("grace_days", _("grace_days must be between 0 and 365."))
        rule, _created = LateChargeRule.objects.update_or_create(
            tenant=tenant,
            biller=biller,
            defaults={
                "rate_ppm": rate_ppm,
                "grace_days": grace_days,
                "item": item or "滞纳金 Late charge",
                "created_at": clock.now(),
            },
        )
        record(
            actor=actor,
            tenant=tenant,
            action="billing.late_charge_rule_set",
            obj=rule,
            changes={"biller": biller.code, "rate_ppm": rate_ppm, "grace_days": grace_days},
        )
        return rule


def late_charge_for(bill: Bill, rule: LateChargeRule) -> int:
    """One day's late charge: the rate on the unpaid principal (late charges never compound;
    payments settle the principal first), rounded half up to the fen."""
    late = sum(line.amount_fen for line in bill.lines.all() if line.kind == BillLine.Kind.LATE_CHARGE)
    principal = max(0, bill.lines_fen - late - bill.credited_fen - bill.net_paid_fen)
    return line_amount(Decimal(principal) * rule.rate_ppm / Decimal(1_000_000), 1)


def accrue_late_charges(actor: Actor, tenant: Tenant, on: date | None = None) -> int:
    """Add day ``on``'s late charge (default: today, local time) to every overdue bill whose biller
    has a rule. Idempotent per bill and day: run it as often as you like. Returns lines added."""
    on = on or local_today(tenant)
    added = 0
    for rule in LateChargeRule.objects.filter(tenant=tenant).select_related("biller"):
        last_due = on - timedelta(days=rule.grace_days + 1)
        ids = list(
            Bill.objects.filter(
                tenant=tenant,
                biller=rule.biller,
                due_date__lte=last_due,
                state__in=[Bill.State.ISSUED, Bill.State.PARTLY_PAID, Bill.State.OVERDUE],
            )
            .exclude(lines__kind=BillLine.Kind.LATE_CHARGE, lines__accrued_on=on)
            .values_list("pk", flat=True)
        )
        for bill_id in ids:
            try:
                added += _accrue_one(actor, tenant, bill_id, rule, on)
            except IntegrityError:
                continue  # another worker added today's line first: that is the idempotency working
    return added


@transaction.atomic
def _accrue_one(actor: Actor, tenant: Tenant, bill_id: uuid.UUID, rule: LateChargeRule, on: date) -> int:
    bill = lock_bill(tenant, bill_id)
    if bill.state in (Bill.State.PAID, Bill.State.CANCELLED):
        return 0
    if bill.lines.filter(kind=BillLine.Kind.LATE_CHARGE, accrued_on=on).exists():
        return 0
    amount = late_charge_for(bill, rule)
    if amount <= 0:
        return 0
    position = (bill.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    BillLine.objects.create(
        tenant=tenant,
        bill=bill,
        position=position,
        kind=BillLine.Kind.LATE_CHARGE,
        item=f"{rule.item} {on.isoformat()}",
        quantity=Decimal(1),
        unit_price_fen=amount,
        amount_fen=amount,
        accrued_on=on,
    )
    bill.lines_fen += amount
    refresh_state(bill, on)
    bill.updated_at = clock.now()
    bill.save()
    accounts = accounts_for_bill(tenant, bill.biller.code, bill.currency)
    ledger.post(
        tenant,
        [
            Transfer(
                id=ledger.transfer_id("late", bill.pk, on.isoformat()),
                debit_account_id=accounts[chart.receivable(bill.biller.code).code].pk,
                credit_account_id=accounts[chart.late_charge_income(bill.biller.code).code].pk,
                amount=amount,
                ledger=chart.LEDGER,
                currency=bill.currency,
                code=chart.LATE_CHARGE,
                refs={"bill": str(bill.pk), "day": on.isoformat()},
            )
        ],
    )
    record(
        actor=actor,
        tenant=tenant,
        action="billing.late_charge_accrued",
        obj=bill,
        changes={"day": on.isoformat(), "amount_fen": amount, "rate_ppm": rule.rate_ppm},
    )
    return 1


@transaction.atomic
def mark_overdue(actor: Actor, tenant: Tenant, today: date | None = None) -> int:
    """Bills past their due date and not paid become overdue; one audit event for the batch."""
    today = today or local_today(tenant)
    count = Bill.objects.filter(
        tenant=tenant, due_date__lt=today, state__in=[Bill.State.ISSUED, Bill.State.PARTLY_PAID]
    ).update(state=Bill.State.OVERDUE, updated_at=clock.now())
    if count:
        record(
            actor=actor,
            tenant=tenant,
            action="billing.bills_overdue",
            object_type="billing.bill",
            changes={"count": count, "day": today.isoformat()},
        )
    return count
