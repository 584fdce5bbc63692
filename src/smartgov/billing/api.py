"""Bills, payments, refunds and the ledger, for billers, payers and agencies' systems."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from smartgov.accounts import permissions as perms
from smartgov.accounts import selectors as accounts_selectors
from smartgov.api import idempotency
from smartgov.api.auth import PUBLIC, principal, tenant_auth, tenant_of
from smartgov.api.errors import error_response
from smartgov.billing import presenters, selectors, services
from smartgov.billing.schemas import (
    BillIn,
    BillOut,
    BulkReportOut,
    CreditNoteIn,
    CreditNoteOut,
    LateChargeRuleIn,
    LateChargeRuleOut,
    LedgerAccountOut,
    PaymentIn,
    PaymentOut,
    PublicBillOut,
    ReasonIn,
    RefundIn,
    RefundOut,
    VerifyOut,
)
from smartgov.kit.errors import Forbidden, InvalidInput, NotFound
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.context import own_transactions

router = Router(tags=["billing"], auth=tenant_auth)
REFUSALS = {
    "forged": "The notification's signature does not verify.",
    "mismatch": "The notification's amount, currency or payment code does not match the payment.",
    "unknown": "No payment has this reference.",
}
BASE = "/t/{tenant}/billing"


def _biller(request: HttpRequest, code: str) -> Any:
    try:
        return tenancy_selectors.department_by_code(tenant_of(request), code)
    except NotFound:
        raise InvalidInput.for_field("biller", "No department with this code.", code="unknown_biller") from None


def _may_see_bill(request: HttpRequest, bill: Any) -> None:
    caller = principal(request)
    if caller.has(perms.BILLS_READ):
        return
    if caller.membership is not None and caller.membership.pk == bill.payer_id:
        return
    raise NotFound("No such bill.")  # a payer sees only their own bills; others' are not there


@router.post(f"{BASE}/bills", response={201: BillOut}, summary="Issue a bill")
def issue_bill(request: HttpRequest, tenant: str, payload: BillIn) -> Any:
    """Issue a bill to a payer and book it (receivable ← revenue). Send an `Idempotency-Key`; with
    `source_type`/`source_id`, the source's live bill is returned instead of a second one."""
    caller = principal(request)
    caller.require(perms.BILLS_ISSUE)
    the_tenant = tenant_of(request)
    biller = _biller(request, payload.biller)
    try:
        payer = accounts_selectors.membership(the_tenant, payload.payer_id)
    except NotFound:
        raise InvalidInput.for_field("payer_id", "No such payer in this tenant.", code="unknown_payer") from None

    def execute() -> tuple[int, Any]:
        bill = services.issue_bill(
            caller.actor,
            the_tenant,
            biller=biller,
            payer=payer,
            lines=[line.model_dump() for line in payload.lines],
            due_date=payload.due_date,
            title=payload.title,
            source_type=payload.source_type,
            source_id=payload.source_id,
        )
        return 201, presenters.bill(the_tenant, bill)

    return Status(*idempotency.run(request, "billing.issue_bill", payload, execute))


@router.get(f"{BASE}/bills", response=list[BillOut], summary="List bills")
def list_bills(
    request: HttpRequest,
    tenant: str,
    state: str | None = None,
    biller: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Any:
    """Bills of the tenant, newest first, optionally by state and biller code (at most 500 a page)."""
    principal(request).require(perms.BILLS_READ)
    the_tenant = tenant_of(request)
    biller_id = _biller(request, biller).pk if biller else None
    limit = max(1, min(limit, 500))
    rows = selectors.bills(the_tenant, biller_id=biller_id, state=state)[max(0, offset) : max(0, offset) + limit]
    return [presenters.bill(the_tenant, b) for b in rows]


@router.get(f"{BASE}/my/bills", response=list[BillOut], summary="My bills")
def my_bills(request: HttpRequest, tenant: str) -> Any:
    """The signed-in payer's bills across the tenant's billers (an API client has none)."""
    caller = principal(request)
    the_tenant = tenant_of(request)
    if caller.membership is None:
        return []
    return [presenters.bill(the_tenant, b) for b in selectors.bills(the_tenant, payer_id=caller.membership.pk)[:500]]


@router.get(f"{BASE}/bills/{{bill_id}}", response=BillOut, summary="Get a bill")
def get_bill(request: HttpRequest, tenant: str, bill_id: str) -> Any:
    the_tenant = tenant_of(request)
    bill = selectors.bill(the_tenant, bill_id)
    _may_see_bill(request, bill)
    return presenters.bill(the_tenant, bill)


@router.post(f"{BASE}/bills/{{bill_id}}/cancel", response=BillOut, summary="Cancel a bill")
def cancel_bill(request: HttpRequest, tenant: str, bill_id: str, payload: ReasonIn) -> Any:
    """Cancel with a credit note for what the bill still asks; whatever was paid is refunded."""
    caller = principal(request)
    caller.require(perms.BILLS_ISSUE)
    the_tenant = tenant_of(request)
    bill = selectors.bill(the_tenant, bill_id)
    services.cancel_bill(caller.actor, the_tenant, bill, reason=payload.reason)
    return presenters.bill(the_tenant, selectors.bill(the_tenant, bill_id))


@router.post(f"{BASE}/bills/{{bill_id}}/credit-notes", response={201: CreditNoteOut}, summary="Credit a bill")
def credit_bill(request: HttpRequest, tenant: str, bill_id: str, payload: CreditNoteIn) -> Any:
    """Correct a bill downwards (bills are never edited); an overpayment is refunded at once."""
    caller = principal(request)
    caller.require(perms.BILLS_ISSUE)
    the_tenant = tenant_of(request)
    bill = selectors.bill(the_tenant, bill_id)

    def execute() -> tuple[int, Any]:
        note = services.add_credit_note(
            caller.actor, the_tenant, bill, amount_fen=payload.amount_fen, reason=payload.reason
        )
        return 201, CreditNoteOut.from_orm(note).model_dump(mode="json")

    return Status(*idempotency.run(request, "billing.credit_bill", {"bill": bill_id, **payload.model_dump()}, execute))


@router.post(f"{BASE}/bill-batches", response=BulkReportOut, summary="Bulk-issue water bills from a file")
def bulk_issue(
    request: HttpRequest,
    tenant: str,
    file: UploadedFile = File(...),  # noqa: B008
    biller: str = Form(...),
    dry_run: bool = Form(True),
) -> Any:
    """Upload a CSV or XLSX of meter readings (columns `payer_id, account_no, previous_reading,
    current_reading, due_date`). A dry run (the default) reports every bad row (row, column, reason);
    bills are issued only when `dry_run=false` (with an `Idempotency-Key`) and the file is clean."""
    caller = principal(request)
    caller.require(perms.BILLS_ISSUE)
    the_tenant = tenant_of(request)
    department = _biller(request, biller)

    def execute() -> tuple[int, Any]:
        report = services.bulk_issue_water(
            caller.actor, the_tenant, department, file, filename=file.name or "upload", dry_run=dry_run
        )
        return 200, BulkReportOut.model_validate(report, from_attributes=True).model_dump(mode="json")

    if dry_run:
        return execute()[1]
    # Issuing is a money claim: a retried upload with the same key replays the first report.
    digest = hashlib.sha256(file.read()).hexdigest()
    file.seek(0)
    return Status(*idempotency.run(request, "billing.bulk_issue", {"biller": biller, "file": digest}, execute))


@router.get(f"{BASE}/lookup/{{payment_code}}", response=PublicBillOut, auth=PUBLIC, summary="Look up a bill by code")
def lookup(request: HttpRequest, tenant: str, payment_code: str) -> Any:
    """Public: anyone holding the payment code printed on the notice sees the bill (payer masked)."""
    the_tenant = tenant_of(request)
    return presenters.public_bill(the_tenant, selectors.bill_by_payment_code(the_tenant, payment_code))


@router.post(
    f"{BASE}/payments",
    response={201: PaymentOut},
    summary="Pay a bill",
    url_name=own_transactions("billing_create_payment"),
)
def create_payment(request: HttpRequest, tenant: str, payload: PaymentIn) -> Any:
    """Open a payment through a channel and get its checkout URL. Requires `Idempotency-Key`: a
    replay returns the first answer, the same key with another body is a 409. No transaction is held
    while the channel answers: the payment is recorded first (state `created`), then the channel is
    asked, then its answer recorded; a retry with the same key after a failure in between finishes
    the same payment."""
    caller = principal(request)
    the_tenant = tenant_of(request)

    def reserve() -> str:
        notify_url = request.build_absolute_uri(f"/api/v1/t/{the_tenant.slug}/billing/notify/{payload.channel}")
        payment = services.open_payment(
            caller.actor,
            the_tenant,
            payment_code=payload.payment_code,
            channel=payload.channel,
            amount_fen=payload.amount_fen,
            currency=payload.currency,
            notify_url=notify_url,
            return_url=payload.return_url
            or request.build_absolute_uri(f"/{the_tenant.slug}/bills/payments/") + "{payment_id}",
        )
        return str(payment.pk)

    def complete(payment_id: str) -> tuple[int, Any]:
        return 201, presenters.payment(services.start_checkout(the_tenant, payment_id))

    return Status(*idempotency.run_in_steps(request, "billing.create_payment", payload, reserve, complete))


@router.get(f"{BASE}/payments/{{payment_id}}", response=PaymentOut, summary="Get a payment")
def get_payment(request: HttpRequest, tenant: str, payment_id: str) -> Any:
    the_tenant = tenant_of(request)
    payment = selectors.payment(the_tenant, payment_id)
    _may_see_bill(request, payment.bill)
    return presenters.payment(payment)


@router.post(
    f"{BASE}/payments/{{payment_id}}/refunds",
    response={201: RefundOut},
    summary="Refund a payment",
    url_name=own_transactions("billing_refund_payment"),
)
def refund_payment(request: HttpRequest, tenant: str, payment_id: str, payload: RefundIn) -> Any:
    """Refund all or part of a succeeded payment, never more than its `refund_amount_available`.
    Requires `Idempotency-Key`. The amount is reserved first, then the channel asked with no
    transaction held; the answer is `succeeded`, `failed` (the amount is available again) or
    `pending` (asked again later)."""
    caller = principal(request)
    caller.require(perms.PAYMENTS_REFUND)
    the_tenant = tenant_of(request)
    payment = selectors.payment(the_tenant, payment_id)

    def reserve() -> str:
        refund = services.request_refund(
            caller.actor,
            the_tenant,
            payment.pk,
            amount_fen=payload.amount_fen,
            reason=payload.reason,
            expected_available_fen=payload.expected_available_fen,
        )
        return str(refund.pk)

    def complete(refund_id: str) -> tuple[int, Any]:
        refund = services.submit_refund(the_tenant, refund_id)
        return 201, RefundOut.from_orm(refund).model_dump(mode="json")

    payload_id = {"payment": payment_id, **payload.model_dump()}
    return Status(*idempotency.run_in_steps(request, "billing.refund", payload_id, reserve, complete))


@router.post(
    f"{BASE}/notify/{{channel}}",
    auth=PUBLIC,
    summary="Payment channel notification",
    url_name="billing_notify",
    include_in_schema=True,
)
def notify(request: HttpRequest, tenant: str, channel: str) -> HttpResponse:
    """Public: a channel's asynchronous notification. Verified by the channel's adapter (signature),
    then against our payment (amount, currency, payment code) before anything changes; applied
    exactly once however often it comes; answered the way the channel expects."""
    the_tenant = tenant_of(request)
    headers = {k: v for k, v in request.headers.items()}
    ack, outcome = services.handle_notification(the_tenant, channel, request.body, request.content_type or "", headers)
    if outcome.accepted:
        return HttpResponse(ack.body, content_type=ack.content_type, status=ack.status)
    # Refused: a 4xx in our error shape, which every channel reads as "not accepted, retry later".
    return error_response(outcome.status, f"notification_{outcome.result}", REFUSALS[outcome.result])


@router.put(
    f"{BASE}/billers/{{department_id}}/late-charge-rule", response=LateChargeRuleOut, summary="Set a late charge rule"
)
def set_late_charge_rule(request: HttpRequest, tenant: str, department_id: str, payload: LateChargeRuleIn) -> Any:
    caller = principal(request)
    caller.require(perms.BILLS_ISSUE)
    the_tenant = tenant_of(request)
    biller = tenancy_selectors.department(the_tenant, department_id)
    rule = services.set_late_charge_rule(
        caller.actor, the_tenant, biller, rate_ppm=payload.rate_ppm, grace_days=payload.grace_days, item=payload.item
    )
    return {"biller": biller.code, "rate_ppm": rule.rate_ppm, "grace_days": rule.grace_days, "item": rule.item}


@router.get(f"{BASE}/ledger/accounts", response=list[LedgerAccountOut], summary="Ledger balances")
def ledger_accounts(request: HttpRequest, tenant: str) -> Any:
    caller = principal(request)
    if not (caller.has(perms.BILLS_READ) or caller.has(perms.FINANCE_RECONCILE)):
        raise Forbidden("Missing permission bills.read.", code="permission_denied")
    return [presenters.ledger_account(a) for a in selectors.ledger_accounts(tenant_of(request))]


@router.get(f"{BASE}/ledger/verify", response=VerifyOut, summary="Verify the ledger")
def ledger_verify(request: HttpRequest, tenant: str) -> Any:
    """Debits = credits, balances = sum of transfers, one posting per payment (as `smartgov ledger verify`)."""
    principal(request).require(perms.FINANCE_RECONCILE)
    problems = [str(p) for p in selectors.verify(tenant_of(request))]
    return {"balanced": not problems, "problems": problems}

from smartgov.billing.receipts.api import router as receipts_router  # noqa: E402

router.add_router("", receipts_router)
from smartgov.billing.reconciliation.api import router as reconciliation_router  # noqa: E402

router.add_router("", reconciliation_router)
