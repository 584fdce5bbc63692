"""Every write of reconciliation: import a statement, re-check it, resolve a difference, close a day.

Importing parses the whole file with the channel adapter first: a malformed file is refused with
every rejected line (line number and reason) and nothing is stored. Each write is audited in its
transaction. Matching also writes onto each payment a line names what the provider settled for it
(billing's ``record_settlements``), in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from smartgov.audit.services import Actor, record
from smartgov.billing import channels
from smartgov.billing import services as billing
from smartgov.billing.providers.base import PaymentProvider, ProviderError, StatementRow
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, DomainError, InvalidInput
from smartgov.tenancy.models import Tenant

from . import matching, selectors
from .models import Difference, Statement, StatementLine

MAX_BYTES = 50 * 1024 * 1024
MAX_REJECTED = 100
_LINE = re.compile(r"line (\d+)")


class StatementRejected(InvalidInput):
    """A malformed statement file: ``details`` lists every rejected line ({line, reason})."""

    code = "statement_rejected"


class StatementOfAnotherMerchant(InvalidInput):
    """The file is another merchant account's statement: ``details`` names the line and the merchant."""

    code = "statement_wrong_merchant"


class StatementUnavailable(DomainError):
    status = 502
    code = "statement_unavailable"


def parse(tenant: Tenant, channel: str, content: bytes) -> list[StatementRow]:
    """Parse with the channel's adapter, collecting every bad line, not just the first: the adapter
    stops at the first it meets, so that line is set aside and the rest parsed again (at most
    MAX_REJECTED times). Raises ``StatementRejected`` if any line was bad."""
    provider = channels.provider(channel, tenant)
    physical = content.splitlines(keepends=True)
    kept = list(range(1, len(physical) + 1))  # original line numbers of the lines still in play
    rejected: list[dict[str, Any]] = []
    while True:
        try:
            rows = provider.parse_statement(b"".join(physical[n - 1] for n in kept))
            break
        except ValueError as exc:
            message = str(exc)
            found = _LINE.search(message)
            position = int(found.group(1)) if found else 0
            if position < 2 or position > len(kept) or len(rejected) >= MAX_REJECTED:
                # The header, a line we cannot place, or too many: report it and stop looking.
                original = kept[position - 1] if 1 <= position <= len(kept) else position
                rejected.append({"line": original, "reason": message})
                break
            original = kept.pop(position - 1)
            rejected.append({"line": original, "reason": _LINE.sub(f"line {original}", message, count=1)})
    if rejected:
        raise StatementRejected(
            _("The statement file is malformed; nothing was imported (%(n)d rejected line(s)).") % {"n": len(rejected)},
            details=sorted(rejected, key=lambda r: r["line"]),
        )
    return rows


def import_statement(
    actor: Actor, tenant: Tenant, *, channel: Any, content: bytes, filename: str = "", day: date | None = None
) -> Statement:
    """Import one channel's statement of one day and match it. The same file again returns the
    statement already imported; another file for an imported day is a 409."""
    provider = channels.provider(channel, tenant)
    if not content:
        raise InvalidInput.for_field("file", _("The statement file is empty."), code="statement_empty")
    if len(content) > MAX_BYTES:
        raise InvalidInput.for_field("file", _("The statement file is too large."), code="statement_too_large")
    _check_merchant(provider, content)
    rows = parse(tenant, provider.code, content)
    days = {row.settled_on for row in rows}
    if day is None:
        if len(days) != 1:
            raise InvalidInput.for_field(
                "day", _("Name the statement's day: its lines do not settle on one day."), code="statement_day"
            )
        day = days.pop()
    stray = [
        {"line": i + 2, "reason": f"settled on {row.settled_on}, not on the statement's day {day}"}
        for i, row in enumerate(rows)
        if row.settled_on != day
    ]
    if stray:
        raise StatementRejected(_("Some lines settle on another day; nothing was imported."), details=stray)
    digest = hashlib.sha256(content).hexdigest()
    existing = selectors.statement_for_day(tenant, provider.code, day)
    if existing is not None:
        if existing.sha256 == digest:
            return existing
        raise Conflict(
            _("A different statement of %(channel)s for %(day)s is already imported.")
            % {"channel": provider.code, "day": day},
            code="statement_exists",
        )
    try:
        return _store(actor, tenant, provider.code, day, rows, filename, digest)
    except IntegrityError:  # the same day imported concurrently
        found = selectors.statement_for_day(tenant, provider.code, day)
        if found is not None and found.sha256 == digest:
            return found
        raise Conflict(_("This day's statement was imported meanwhile."), code="statement_exists") from None


def _check_merchant(provider: PaymentProvider, content: bytes) -> None:
    """Refuse the statement of a merchant account other than the tenant's own at the channel: its
    lines are another tenant's (or another organisation's) money."""
    ours = provider.merchant_account
    foreign = {account: line for account, line in provider.statement_accounts(content).items() if account != ours}
    if not ours or not foreign:
        return
    theirs = ", ".join(sorted(foreign))
    raise StatementOfAnotherMerchant(
        _(
            "This is the %(channel)s statement of merchant %(theirs)s, not of this tenant's merchant %(ours)s; "
            "nothing was imported."
        )
        % {"channel": provider.code, "theirs": theirs, "ours": ours},
        details=[
            {"line": line, "reason": f"statement of merchant {account}; this tenant's merchant is {ours}"}
            for account, line in sorted(foreign.items(), key=lambda item: item[1])
        ],
    )


def fetch_and_import(actor: Actor, tenant: Tenant, *, channel: Any, day: date) -> Statement:
    """Download the day's statement from the channel (``fetch_statement``) and import it."""
    provider = channels.provider(channel, tenant)
    try:
        content = provider.fetch_statement(day)
    except ProviderError as exc:
        raise StatementUnavailable(
            _("The channel has no statement for %(day)s yet: %(why)s") % {"day": day, "why": exc}
        ) from exc
    return import_statement(actor, tenant, channel=provider.code, content=content, filename=f"{day}.csv", day=day)


@transaction.atomic
def _store(
    actor: Actor, tenant: Tenant, channel: str, day: date, rows: list[StatementRow], filename: str, digest: str
) -> Statement:
    payments = sum(r.amount_fen for r in rows if r.kind == "payment")
    refunds = sum(r.amount_fen for r in rows if r.kind == "refund")
    fees = sum(r.fee_fen for r in rows)
    statement = Statement.objects.create(
        tenant=tenant,
        channel=channel,
        day=day,
        filename=filename[:255],
        sha256=digest,
        lines_count=len(rows),
        payments_fen=payments,
        refunds_fen=refunds,
        fees_fen=fees,
        net_fen=payments - refunds - fees,
        fees_listed=all(r.fee_listed for r in rows),
        imported_at=clock.now(),
        imported_by=actor.label or actor.id,
    )
    StatementLine.objects.bulk_create(
        StatementLine(
            tenant=tenant,
            statement=statement,
            position=i + 1,
            kind=row.kind,
            out_trade_no=row.out_trade_no,
            out_refund_no=row.out_refund_no,
            provider_reference=row.provider_reference,
            amount_fen=row.amount_fen,
            fee_fen=row.fee_fen,
            currency=row.currency,
            settled_on=row.settled_on,
        )
        for i, row in enumerate(rows)
    )
    found, settled = _match(tenant, statement)
    record(
        actor=actor,
        tenant=tenant,
        action="billing.statement_imported",
        obj=statement,
        changes={
            "channel": channel,
            "day": str(day),
            "lines": len(rows),
            "net_fen": statement.net_fen,
            "differences": len(found),
            "payments_settled": settled,
            "sha256": digest,
        },
    )
    return statement


def _reference(line: StatementLine) -> str:
    return line.out_refund_no if line.kind == "refund" else line.out_trade_no


def _compute(tenant: Tenant, statement: Statement) -> tuple[list[StatementLine], matching.Result]:
    lines = list(selectors.lines(tenant, statement))
    ours = selectors.ours_by_reference(
        tenant,
        statement.channel,
        {ln.out_trade_no for ln in lines if ln.kind == "payment"},
        {ln.out_refund_no for ln in lines if ln.kind == "refund"},
    )
    expected = selectors.expected_on(tenant, statement.channel, statement.day)
    result = matching.match(
        (matching.Line(ln.position, ln.kind, _reference(ln), ln.amount_fen, ln.currency) for ln in lines),
        ours,
        expected,
        selectors.settled_elsewhere(tenant, statement.channel, statement, expected),
    )
    return lines, result


def _new_difference(tenant: Tenant, statement: Statement, by_position: dict, found: matching.Found) -> Difference:
    record_ = found.ours
    return Difference(
        tenant=tenant,
        statement=statement,
        kind=found.kind,
        line=by_position.get(found.line_position) if found.line_position else None,
        payment_id=record_.pk if record_ is not None and record_.kind == "payment" else None,
        refund_id=record_.pk if record_ is not None and record_.kind == "refund" else None,
        reference=found.reference[:64],
        ours_fen=found.ours_fen,
        theirs_fen=found.theirs_fen,
    )


def _link_lines(tenant: Tenant, statement: Statement, lines: list[StatementLine], result: matching.Result) -> int:
    """Point each line at the record it names, mark the lines without a difference as matched, and
    write onto every payment a line names what the provider settled for it. Returns how many
    payments name this statement as their settlement."""
    different = {f.line_position for f in result.differences if f.line_position}
    for ln in lines:
        record_ = result.matched.get(ln.position)
        ln.payment_id = record_.pk if record_ is not None and record_.kind == "payment" else None
        ln.refund_id = record_.pk if record_ is not None and record_.kind == "refund" else None
        ln.matched = record_ is not None and ln.position not in different
    StatementLine.objects.bulk_update(lines, ["payment", "refund", "matched"])
    # A line with a difference is settled all the same: the provider's amount is what it settled.
    return billing.record_settlements(
        tenant,
        statement.pk,
        (
            billing.Settlement(
                ln.payment_id, ln.settled_on, ln.amount_fen, ln.fee_fen if statement.fees_listed else None
            )
            for ln in lines  # in line order: the first line naming a payment settles it
            if ln.kind == "payment" and ln.payment_id is not None
        ),
    )


def _match(tenant: Tenant, statement: Statement) -> tuple[list[matching.Found], int]:
    lines, result = _compute(tenant, statement)
    by_position = {ln.position: ln for ln in lines}
    settled = _link_lines(tenant, statement, lines, result)
    Difference.objects.bulk_create(_new_difference(tenant, statement, by_position, f) for f in result.differences)
    return result.differences, settled


@transaction.atomic
def rematch(actor: Actor, tenant: Tenant, statement: Statement) -> dict[str, int]:
    """Check an open statement again (a late notification may have arrived since the import): open
    differences that no longer hold are resolved as such, new ones are added."""
    statement = Statement.objects.select_for_update().get(tenant=tenant, pk=statement.pk)
    if statement.state == Statement.State.CLOSED:
        raise Conflict(_("This day is closed."), code="statement_closed")
    lines, result = _compute(tenant, statement)
    by_position = {ln.position: ln for ln in lines}
    now_keys = {f.key: f for f in result.differences}
    cleared = added = 0
    existing = list(selectors.differences(tenant, statement))
    have = {(d.kind, d.reference, d.line.position if d.line else None) for d in existing}
    for d in existing:
        key = (d.kind, d.reference, d.line.position if d.line else None)
        if d.state == Difference.State.OPEN and key not in now_keys:
            d.state = Difference.State.RESOLVED
            d.resolution = "cleared on re-check: our records now agree with the statement"
            d.resolved_at = clock.now()
            d.resolved_by = actor.label or actor.id
            d.save(update_fields=["state", "resolution", "resolved_at", "resolved_by"])
            cleared += 1
    new = [f for key, f in now_keys.items() if key not in have]
    Difference.objects.bulk_create(_new_difference(tenant, statement, by_position, f) for f in new)
    added = len(new)
    settled = _link_lines(tenant, statement, lines, result)
    record(
        actor=actor,
        tenant=tenant,
        action="billing.statement_rechecked",
        obj=statement,
        changes={"cleared": cleared, "added": added, "payments_settled": settled},
    )
    return {"cleared": cleared, "added": added, "open": selectors.open_count(tenant, statement)}


@transaction.atomic
def resolve_difference(actor: Actor, tenant: Tenant, difference: Difference, *, reason: Any) -> Difference:
    """Staff settle a difference, saying why (e.g. "provider fee adjustment, ticket 123")."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput.for_field("reason", _("Say why this difference is resolved."), code="reason_required")
    if len(reason) > 1000:
        raise InvalidInput.for_field("reason", _("At most 1000 characters."), code="reason_too_long")
    statement = Statement.objects.select_for_update().get(tenant=tenant, pk=difference.statement_id)
    difference = Difference.objects.select_for_update().get(tenant=tenant, pk=difference.pk)
    if statement.state == Statement.State.CLOSED:
        raise Conflict(_("This day is closed."), code="statement_closed")
    if difference.state == Difference.State.RESOLVED:
        raise Conflict(_("This difference is already resolved."), code="difference_resolved")
    difference.state = Difference.State.RESOLVED
    difference.resolution = reason.strip()
    difference.resolved_at = clock.now()
    difference.resolved_by = actor.label or actor.id
    difference.save(update_fields=["state", "resolution", "resolved_at", "resolved_by"])
    record(
        actor=actor,
        tenant=tenant,
        action="billing.difference_resolved",
        obj=difference,
        changes={
            "statement": str(statement.pk),
            "kind": difference.kind,
            "reference": difference.reference,
            "ours_fen": difference.ours_fen,
            "theirs_fen": difference.theirs_fen,
            "reason": difference.resolution,
        },
    )
    return difference


@transaction.atomic
def close_statement(actor: Actor, tenant: Tenant, statement: Statement) -> Statement:
    """Close the day: only when no difference is open."""
    statement = Statement.objects.select_for_update().get(tenant=tenant, pk=statement.pk)
    if statement.state == Statement.State.CLOSED:
        return statement
    open_ = selectors.open_count(tenant, statement)
    if open_:
        raise Conflict(
            _("%(n)d difference(s) are still open; resolve them before closing the day.") % {"n": open_},
            code="differences_open",
            details={"open": open_},
        )
    statement.state = Statement.State.CLOSED
    statement.closed_at = clock.now()
    statement.closed_by = actor.label or actor.id
    statement.save(update_fields=["state", "closed_at", "closed_by"])
    record(
        actor=actor,
        tenant=tenant,
        action="billing.statement_closed",
        obj=statement,
        changes={"channel": statement.channel, "day": str(statement.day), "net_fen": statement.net_fen},
    )
    return statement
