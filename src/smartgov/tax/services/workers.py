"""What workers do themselves: declare special additional deductions, file the annual reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tax import collection, computation, rules, selectors
from smartgov.tax.models import AnnualReconciliation, DeductionDeclaration, DeductionKind
from smartgov.tax.services.common import next_reference, tax_bureau
from smartgov.tenancy.models import Tenant

WINDOW_OPENS = (3, 1)  # 1 March of the following year
WINDOW_CLOSES = (6, 30)  # 30 June of the following year


class ReconciliationClosed(Conflict):
    code = "reconciliation_closed"


def window(year: int) -> tuple[date, date]:
    return date(year + 1, *WINDOW_OPENS), date(year + 1, *WINDOW_CLOSES)


def check_window(year: int) -> None:
    """The annual reconciliation for ``year`` is open 1 March – 30 June of ``year + 1`` (Beijing time)."""
    opens, closes = window(year)
    today = clock.local_now().date()
    if not opens <= today <= closes:
        raise ReconciliationClosed(
            _("The %(year)d reconciliation is open from %(opens)s to %(closes)s; today is %(today)s.")
            % {"year": year, "opens": opens.isoformat(), "closes": closes.isoformat(), "today": today.isoformat()},
            details=[{"field": "year", "opens": opens.isoformat(), "closes": closes.isoformat()}],
        )


def _check_year(year: int) -> None:
    today = clock.local_now().date()
    if not 2019 <= year <= today.year:
        raise InvalidInput.for_field("year", _("The year must be from 2019 to this year."))


@transaction.atomic
def declare_deduction(
    actor: Actor, tenant: Tenant, worker: Any, *, year: int, kind: str, details: dict[str, Any]
) -> DeductionDeclaration:
    """Declare one special additional deduction for a year; its amount is computed within its cap."""
    _check_year(year)
    if kind not in DeductionKind.values:
        raise InvalidInput.for_field(
            "kind", _("Unknown deduction kind; the kinds are %(k)s") % {"k": ", ".join(DeductionKind.values)}
        )
    selectors.id_index_of(tenant, worker)  # a worker without an identity number has no employers' lines
    with _refusals():
        amount, explanation = computation.deduction_amount(kind, year, details)
        # The year's declarations together must stay within the year's caps: rent for the same
        # months twice, or rent with loan interest, is refused now rather than at reconciliation.
        earlier = _declarations(year, selectors.declared_deductions(tenant, worker, year))
        rules.annual_declarations(year, [*earlier, computation.declaration(kind, year, details)])
    declaration = DeductionDeclaration.objects.create(
        tenant=tenant,
        worker=worker,
        year=year,
        kind=kind,
        details=details,
        annual_amount=amount,
        explanation=explanation,
        declared_at=clock.now(),
    )
    record(
        actor=actor,
        tenant=tenant,
        action="tax.deduction_declared",
        obj=declaration,
        changes={"year": year, "kind": kind, "annual_amount": amount},
    )
    return declaration


@transaction.atomic
def withdraw_deduction(actor: Actor, tenant: Tenant, declaration: DeductionDeclaration) -> DeductionDeclaration:
    declaration.withdrawn_at = clock.now()
    declaration.save(update_fields=["withdrawn_at"])
    record(actor=actor, tenant=tenant, action="tax.deduction_withdrawn", obj=declaration, changes={})
    return declaration


def _declarations(year: int, declared: list[dict[str, Any]]) -> list[rules.Declaration]:
    return [computation.declaration(d["kind"], year, d["details"]) for d in declared]


@contextmanager
def _refusals() -> Iterator[None]:
    """The rules core refuses a declaration beyond the law with ``deduction_over_cap`` or
    ``deduction_not_combinable``; the filing API has always answered ``deduction_beyond_cap``."""
    try:
        yield
    except InvalidInput as exc:
        if exc.code == "deduction_not_combinable":
            message = _("Housing-loan interest and housing rent cannot both be deducted.")
        elif exc.code == "deduction_over_cap":
            message = exc.message
        else:
            raise
        fields = [d.get("field", "") for d in exc.details or []] or ["details"]
        raise InvalidInput.for_field(fields[0], message, code="deduction_beyond_cap") from None


def compute_reconciliation(
    tenant: Tenant, worker: Any, year: int
) -> tuple[selectors.Prefill, computation.AnnualResult]:
    """The pre-filled reconciliation and its figures, without filing (for the page and the API):
    the records gathered here, every figure by the rules core."""
    prefill = selectors.reconciliation_prefill(tenant, worker, year)
    with _refusals():
        declared = _declarations(year, prefill.declarations)
        result = computation.annual_reconciliation(year, prefill.employers, declared)
    return prefill, result


@transaction.atomic
def file_reconciliation(actor: Actor, tenant: Tenant, worker: Any, *, year: int) -> AnnualReconciliation:
    """File the annual reconciliation as pre-filled: a refund is paid out through billing's ledger,
    an amount due becomes a bill, an exempt amount is recorded and not billed."""
    _check_year(year)
    check_window(year)
    if selectors.filed_reconciliation(tenant, worker, year) is not None:
        raise Conflict(_("The %(year)d reconciliation is filed already.") % {"year": year}, code="already_reconciled")
    prefill, result = compute_reconciliation(tenant, worker, year)
    if not prefill.employers:
        raise InvalidInput.for_field(
            "year", _("No employer filed income for you in %(year)d.") % {"year": year}, code="nothing_to_reconcile"
        )
    reconciliation = AnnualReconciliation(
        tenant=tenant,
        reference=next_reference(tenant, "HS", year + 1),
        worker=worker,
        year=year,
        income=result.income,
        deductions=result.deductions,
        taxable=result.taxable,
        annual_tax=result.tax,
        prepaid=result.prepaid,
        balance=result.balance,
        result=result.result,
        figures=prefill.as_dict(),
        explanation=result.explanation,
        filed_at=clock.now(),
    )
    try:
        with transaction.atomic():
            reconciliation.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("The %(year)d reconciliation is filed already.") % {"year": year}, code="already_reconciled"
        ) from None
    bureau = tax_bureau(actor, tenant)
    if result.result == AnnualReconciliation.Result.DUE:
        _opens, closes = window(year)
        bill = collection.issue_tax_bill(
            actor,
            tenant,
            bureau=bureau,
            payer=worker,
            item=_("Individual income tax due, %(year)d annual reconciliation (%(ref)s)")
            % {"year": year, "ref": reconciliation.reference},
            amount=result.balance,
            due_date=max(closes, clock.local_now().date()),
            source_type="tax.reconciliation",
            source_id=str(reconciliation.pk),
        )
        reconciliation.bill_id, reconciliation.bill_reference = bill.id, bill.reference
    elif result.result == AnnualReconciliation.Result.REFUND:
        reconciliation.refund_reference = collection.refund_tax(
            actor,
            tenant,
            bureau=bureau,
            payee=worker,
            amount=-result.balance,
            source_type="tax.reconciliation",
            source_id=str(reconciliation.pk),
        )
    reconciliation.save(update_fields=["bill_id", "bill_reference", "refund_reference"])
    record(
        actor=actor,
        tenant=tenant,
        action="tax.reconciliation_filed",
        obj=reconciliation,
        changes={"year": year, "result": result.result, "balance": result.balance},
    )
    return reconciliation


@transaction.atomic
def confirm_refund_paid(
    actor: Actor, tenant: Tenant, reconciliation: AnnualReconciliation, *, bank_reference: str
) -> AnnualReconciliation:
    """The treasury paid a reconciliation refund out: post it in the ledger with the payout, once."""
    locked = AnnualReconciliation.objects.select_for_update().get(tenant=tenant, pk=reconciliation.pk)
    if locked.result != AnnualReconciliation.Result.REFUND or not locked.refund_reference:
        raise Conflict(_("This reconciliation has no refund to pay out."), code="no_refund")
    if locked.refund_paid_at is not None:
        raise Conflict(_("This refund was paid out already."), code="refund_already_paid")
    if not bank_reference.strip():
        raise InvalidInput.for_field("bank_reference", _("Give the bank's reference of the payout."))
    collection.pay_out_refund(
        tenant, refund_reference=locked.refund_reference, amount=-locked.balance, bank_reference=bank_reference.strip()
    )
    locked.refund_paid_at = clock.now()
    locked.refund_bank_reference = bank_reference.strip()[:60]
    locked.save(update_fields=["refund_paid_at", "refund_bank_reference"])
    record(
        actor=actor,
        tenant=tenant,
        action="tax.refund_paid",
        obj=locked,
        changes={"amount": -locked.balance, "bank_reference": locked.refund_bank_reference},
    )
    return locked
