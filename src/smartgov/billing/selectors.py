"""Every read of the billing app, tenant first. Other apps use ``bill_status`` to learn whether a
bill they asked for (``services.issue_bill``) is paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from smartgov.billing import paycode
from smartgov.billing.models import Bill, BillLine, CreditNote, LedgerAccount, LedgerTransfer, Payment, Refund
from smartgov.kit.errors import InvalidInput, NotFound
from smartgov.ledger import PostingRule, Problem, check_invariants
from smartgov.tenancy.models import Tenant

from .services.ledger import to_account, to_balance, to_transfer


def _get(qs: QuerySet[Any], pk: Any, what: str) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such %(what)s.") % {"what": what}) from None
    except Exception as exc:  # a malformed UUID on some backends
        if exc.__class__.__name__ == "ValidationError":
            raise NotFound(_("No such %(what)s.") % {"what": what}) from None
        raise


def bills(tenant: Tenant, *, biller_id: Any = None, state: str | None = None, payer_id: Any = None) -> QuerySet[Bill]:
    qs = Bill.objects.filter(tenant=tenant).select_related("biller").order_by("-issued_at")
    if biller_id is not None:
        qs = qs.filter(biller_id=biller_id)
    if state:
        qs = qs.filter(state=state)
    if payer_id is not None:
        qs = qs.filter(payer_id=payer_id)
    return qs


def bill(tenant: Tenant, bill_id: Any) -> Bill:
    return _get(Bill.objects.filter(tenant=tenant).select_related("biller"), bill_id, _("bill"))


def bill_lines(tenant: Tenant, bill: Bill) -> QuerySet[BillLine]:
    return BillLine.objects.filter(tenant=tenant, bill=bill).order_by("position")


def credit_notes(tenant: Tenant, bill: Bill) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(tenant=tenant, bill=bill).order_by("created_at")


def bill_by_payment_code(tenant: Tenant, code: str) -> Bill:
    """The public look-up: an invalid code is a 422 naming the field, an unknown one a 404."""
    if not isinstance(code, str) or not paycode.is_valid(code):
        raise InvalidInput.for_field(
            "payment_code", _("This is not a valid payment code (20 digits)."), code="invalid_payment_code"
        )
    found = Bill.objects.filter(tenant=tenant, payment_code=paycode.normalise(code)).select_related("biller").first()
    if found is None:
        raise NotFound(_("No bill has this payment code."), code="unknown_payment_code")
    return found


def payments(tenant: Tenant, bill: Bill | None = None) -> QuerySet[Payment]:
    qs = Payment.objects.filter(tenant=tenant).select_related("bill").order_by("-created_at")
    return qs.filter(bill=bill) if bill is not None else qs


def payment(tenant: Tenant, payment_id: Any) -> Payment:
    return _get(Payment.objects.filter(tenant=tenant).select_related("bill", "bill__biller"), payment_id, _("payment"))


def refunds(tenant: Tenant, payment: Payment) -> QuerySet[Refund]:
    return Refund.objects.filter(tenant=tenant, payment=payment).order_by("created_at")


@dataclass(frozen=True)
class BillStatus:
    """What another app needs to know about a bill it asked for."""

    bill_id: UUID
    payment_code: str
    state: str
    total_fen: int
    paid_fen: int  # net of refunds
    outstanding_fen: int
    due_date: date
    paid_at: datetime | None

    @property
    def is_paid(self) -> bool:
        return self.state == Bill.State.PAID


def bill_status(tenant: Tenant, bill_id: Any) -> BillStatus:
    b = bill(tenant, bill_id)
    return BillStatus(
        bill_id=b.pk,
        payment_code=b.payment_code,
        state=b.state,
        total_fen=b.total_fen,
        paid_fen=b.net_paid_fen,
        outstanding_fen=b.outstanding_fen,
        due_date=b.due_date,
        paid_at=b.paid_at,
    )


def ledger_accounts(tenant: Tenant) -> QuerySet[LedgerAccount]:
    return LedgerAccount.objects.filter(tenant=tenant).order_by("ledger", "code", "currency")


# -- verification --------------------------------------------------------------------------------


def verify(tenant: Tenant) -> list[Problem | str]:
    """Everything wrong with the tenant's books, as ``smartgov ledger verify`` prints it.

    The ledger's own invariants (replayed through ``smartgov.ledger``'s rules): debits = credits
    overall and per currency, every cached balance = the fold of its transfers, every transfer
    admissible in order; and, against the billing tables: exactly one ``payment`` posting per
    succeeded payment (keyed by bill and payment), and each bill's paid and refunded totals equal to
    its payments' and refunds'."""
    rows = list(LedgerAccount.objects.filter(tenant=tenant))
    accounts = {r.id: to_account(r) for r in rows}
    stored = {r.id: to_balance(r) for r in rows}
    transfers = (to_transfer(t) for t in LedgerTransfer.objects.filter(tenant=tenant).order_by("seq").iterator(5000))
    expected = frozenset(
        (str(b), str(p))
        for b, p in Payment.objects.filter(tenant=tenant, state=Payment.State.SUCCEEDED).values_list("bill_id", "pk")
    )
    from smartgov.billing import chart

    problems: list[Problem | str] = list(
        check_invariants(
            accounts, transfers, balances=stored, rules=[PostingRule(chart.PAYMENT, ("bill", "payment"), expected)]
        )
    )
    problems += _bill_totals(tenant)
    return problems


def _bill_totals(tenant: Tenant) -> list[str]:
    problems: list[str] = []
    paid = dict(
        Payment.objects.filter(tenant=tenant, state=Payment.State.SUCCEEDED)
        .values("bill_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("bill_id", "s")
    )
    refunded = dict(
        Refund.objects.filter(tenant=tenant, state=Refund.State.SUCCEEDED)
        .values("payment__bill_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("payment__bill_id", "s")
    )
    lines = dict(
        BillLine.objects.filter(tenant=tenant)
        .values("bill_id")
        .annotate(s=Sum("amount_fen"))
        .values_list("bill_id", "s")
    )
    for b in (
        Bill.objects.filter(tenant=tenant)
        .values_list("pk", "payment_code", "paid_fen", "refunded_fen", "lines_fen", "credited_fen", "state")
        .iterator(5000)
    ):
        pk, code, paid_fen, refunded_fen, lines_fen, credited_fen, state = b
        if paid_fen != (paid.get(pk) or 0):
            problems.append(
                f"bill_paid_mismatch: bill {code} says paid {paid_fen} but its payments sum to {paid.get(pk) or 0}"
            )
        if refunded_fen != (refunded.get(pk) or 0):
            problems.append(
                f"bill_refunded_mismatch: bill {code} says refunded {refunded_fen} but its refunds sum to "
                f"{refunded.get(pk) or 0}"
            )
        if lines_fen != (lines.get(pk) or 0):
            problems.append(
                f"bill_lines_mismatch: bill {code} says {lines_fen} but its lines sum to {lines.get(pk) or 0}"
            )
        if state == Bill.State.PAID and paid_fen - refunded_fen < lines_fen - credited_fen:
            problems.append(f"bill_state_mismatch: bill {code} is marked paid but is not paid in full")
    return problems


def pending_refunds(tenant: Tenant, older_than_seconds: int = 60) -> list[UUID]:
    """Refunds a channel answered "pending", oldest first, to ask about again."""
    from datetime import timedelta

    from smartgov.kit import clock

    cutoff = clock.now() - timedelta(seconds=older_than_seconds)
    return list(
        Refund.objects.filter(tenant=tenant, state=Refund.State.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
