"""Bulk issuance: a biller uploads meter readings (CSV or XLSX) and gets a bill per row.

Two passes. The first parses and checks every row and collects every problem (row number, column,
reason); if there is any, nothing is issued. The second issues the whole file in one transaction:
bills and lines go in with PostgreSQL's COPY into a temporary table and one INSERT … SELECT each
(COPY cannot write into a table under row-level security, an INSERT … SELECT can, and the policy
still checks every row), or with bulk_create elsewhere. The ledger gets one transfer per batch
(receivable ← revenue for the batch's total, refs {"batch": id}) and the audit trail one event with
the counts.
"""

from __future__ import annotations

import csv
import io
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from smartgov.accounts import selectors as accounts_selectors
from smartgov.audit.services import Actor, record
from smartgov.billing import paycode
from smartgov.billing.models import Bill, BillBatch, BillLine
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.models import Department, Tenant

from .common import currency, line_amount, local_today, mask_name, post_issued

COLUMNS = ("payer_id", "account_no", "previous_reading", "current_reading", "due_date")
MAX_ROWS = 2_000_000
MAX_PROBLEMS = 1000  # a file that wrong needs fixing at the source, not a longer report


@dataclass(frozen=True)
class WaterTariff:
    """Tiered water price per m³ by monthly usage, plus a sewage charge per m³ (fen)."""

    tiers: tuple[tuple[Decimal | None, int], ...] = ((Decimal(18), 345), (Decimal(25), 483), (None, 1035))
    sewage_fen: int = 95

    def lines(self, usage: Decimal) -> list[tuple[str, Decimal, int, int]]:
        out = []
        lower = Decimal(0)
        for number, (upper, unit) in enumerate(self.tiers, start=1):
            if usage <= lower:
                break
            q = usage - lower if upper is None or usage < upper else upper - lower
            out.append((f"水费 第{number}阶梯 Water tier {number}", q, unit, line_amount(q, unit)))
            lower = upper if upper is not None else usage
        if self.sewage_fen:
            out.append(("污水处理费 Sewage", usage, self.sewage_fen, line_amount(usage, self.sewage_fen)))
        return out


def default_tariff() -> WaterTariff:
    custom = getattr(settings, "BILLING_WATER_TARIFF", None)
    if not custom:
        return WaterTariff()
    tiers = tuple((Decimal(str(up)) if up is not None else None, int(unit)) for up, unit in custom["tiers"])
    return WaterTariff(tiers=tiers, sewage_fen=int(custom.get("sewage_fen", 0)))


@dataclass
class Report:
    dry_run: bool
    rows: int = 0
    issued: int = 0
    total_fen: int = 0
    batch_id: uuid.UUID | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    payer_id: uuid.UUID
    account_no: str
    usage: Decimal
    due_date: date


def uuid7_batch(n: int) -> list[uuid.UUID]:
    """``n`` UUIDv7s (RFC 9562: 48-bit Unix milliseconds, version, 74 random bits) from one clock
    reading and one read of the OS's randomness: ``kit.ids.uuid7`` one by one costs a system call
    per id, which is most of the time of a million-bill upload."""
    millis = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    prefix = (millis << 80) | (0x7 << 76) | (0b10 << 62)
    noise = os.urandom(10 * n)
    out = []
    for i in range(n):
        rand = int.from_bytes(noise[10 * i : 10 * i + 10], "big")
        out.append(uuid.UUID(int=prefix | (((rand >> 62) & 0xFFF) << 64) | (rand & ((1 << 62) - 1))))
    return out


def _rows(upload: IO[bytes] | Any, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as the biller sees it, {column: text}); the header is row 1."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(upload, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(it, ())]
        for number, values in enumerate(it, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, {h: _cell(v) for h, v in zip(header, values, strict=False)}
        book.close()
        return
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = [h.strip() for h in next(reader, [])]
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        yield number, dict(zip(header, (v.strip() for v in values), strict=False))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).strip()


def _reading(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -3 or value >= 10**9:  # type: ignore[operator]
        return None
    return value


def check_file(tenant: Tenant, upload: Any, filename: str) -> tuple[list[_Row], list[dict[str, Any]]]:
    """Every row parsed and checked; every problem found (up to MAX_PROBLEMS)."""
    problems: list[dict[str, Any]] = []

    def problem(row: int, column: str, reason: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append({"row": row, "column": column, "reason": reason})

    try:
        raw = list(_rows(upload, filename))
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError) as exc:
        raise InvalidInput.for_field("file", f"The file cannot be read as CSV or XLSX: {exc}") from None
    if not raw:
        raise InvalidInput.for_field("file", "The file has no rows (a header row and one row per bill).")
    missing = [c for c in COLUMNS if c not in raw[0][1]]
    if missing:
        raise InvalidInput.for_field("file", f"Missing column(s): {', '.join(missing)}.")
    if len(raw) > MAX_ROWS:
        raise InvalidInput.for_field("file", f"At most {MAX_ROWS} rows per file.")
    payers = {
        pk
        for pk, active in accounts_selectors.memberships(tenant)
        .prefetch_related(None)
        .order_by()
        .values_list("pk", "is_active")
        .iterator(20000)
        if active
    }
    today = local_today(tenant)
    seen_accounts: dict[str, int] = {}
    rows: list[_Row] = []
    for number, cells in raw:
        ok = True
        try:
            payer = uuid.UUID(cells.get("payer_id", ""))
        except ValueError:
            problem(number, "payer_id", "not a member id (UUID)")
            ok = False
        else:
            if payer not in payers:
                problem(number, "payer_id", "no such payer in this tenant")
                ok = False
        account_no = cells.get("account_no", "")
        if not account_no or len(account_no) > 40:
            problem(number, "account_no", "required, at most 40 characters")
            ok = False
        elif account_no in seen_accounts:
            problem(number, "account_no", f"repeats row {seen_accounts[account_no]}")
            ok = False
        else:
            seen_accounts[account_no] = number
        previous = _reading(cells.get("previous_reading", ""))
        current = _reading(cells.get("current_reading", ""))
        if previous is None:
            problem(number, "previous_reading", "not a reading (a number ≥ 0 with at most 3 decimals)")
            ok = False
        if current is None:
            problem(number, "current_reading", "not a reading (a number ≥ 0 with at most 3 decimals)")
            ok = False
        elif previous is not None and current <= previous:
            problem(number, "current_reading", "must be greater than previous_reading")
            ok = False
        try:
            due = date.fromisoformat(cells.get("due_date", ""))
        except ValueError:
            problem(number, "due_date", "not a date (YYYY-MM-DD)")
            ok = False
        else:
            if due < today:
                problem(number, "due_date", "is in the past")
                ok = False
        if ok:
            assert previous is not None and current is not None
            rows.append(_Row(number, payer, account_no, current - previous, due))
    return rows, problems


def bulk_issue_water(
    actor: Actor,
    tenant: Tenant,
    biller: Department,
    upload: Any,
    *,
    filename: str,
    dry_run: bool = True,
    tariff: WaterTariff | None = None,
) -> Report:
    if biller.tenant_id != tenant.pk:
        raise InvalidInput.for_field("biller", "No such biller in this tenant.")
    tariff = tariff or default_tariff()
    rows, problems = check_file(tenant, upload, filename)
    report = Report(dry_run=dry_run, rows=len(rows) + len({p["row"] for p in problems}), problems=problems)
    priced = [(row, tariff.lines(row.usage)) for row in rows]
    report.total_fen = sum(sum(line[3] for line in lines) for _row, lines in priced)
    if problems or dry_run:
        return report
    batch = _issue(actor, tenant, biller, priced, filename, report.total_fen)
    report.issued = len(rows)
    report.batch_id = batch.pk
    return report


@transaction.atomic
def _issue(
    actor: Actor,
    tenant: Tenant,
    biller: Department,
    priced: list[tuple[_Row, list[tuple[str, Decimal, int, int]]]],
    filename: str,
    total: int,
) -> BillBatch:
    now = clock.now()
    cur = currency()
    today = local_today(tenant)
    batch = BillBatch.objects.create(
        tenant=tenant,
        biller=biller,
        filename=filename[:255],
        kind="water",
        rows=len(priced),
        total_fen=total,
        created_at=now,
        created_by=actor.label,
    )
    names = _masked_names(tenant, {row.payer_id for row, _ in priced})
    for _attempt in range(3):
        bills, lines = [], []
        bill_ids = iter(uuid7_batch(len(priced)))
        line_ids = iter(uuid7_batch(sum(len(row_lines) for _row, row_lines in priced)))
        for row, row_lines in priced:
            bill_id = next(bill_ids)
            amount = sum(line[3] for line in row_lines)
            state = (Bill.State.OVERDUE if today > row.due_date else Bill.State.ISSUED).value
            bills.append(
                (
                    bill_id,
                    tenant.pk,
                    paycode.new_code(),
                    biller.pk,
                    row.payer_id,
                    names.get(row.payer_id, ""),
                    f"水费 {row.account_no}",
                    cur,
                    amount,
                    row.due_date,
                    state,
                    batch.pk,
                    now,
                )
            )
            for position, (item, q, unit, line_fen) in enumerate(row_lines, start=1):
                lines.append((next(line_ids), tenant.pk, bill_id, position, item, q, unit, line_fen))
        try:
            with transaction.atomic():
                _write(bills, lines)
            break
        except IntegrityError:
            continue  # a payment code collided (odds ~1e-13 per bill): draw new codes and retry
    else:
        raise RuntimeError("could not draw unique payment codes")
    post_issued(tenant, biller.code, cur, total, source="batch", source_id=batch.pk)
    record(
        actor=actor,
        tenant=tenant,
        action="billing.bills_bulk_issued",
        obj=batch,
        changes={
            "biller": biller.code,
            "bills": len(priced),
            "lines": len(lines),
            "total_fen": total,
            "file": filename[:255],
        },
    )
    return batch


BILL_COLUMNS = (
    "id",
    "tenant_id",
    "payment_code",
    "biller_id",
    "payer_id",
    "payer_name_masked",
    "title",
    "currency",
    "lines_fen",
    "due_date",
    "state",
    "batch_id",
    "issued_at",
)
LINE_COLUMNS = ("id", "tenant_id", "bill_id", "position", "item", "quantity", "unit_price_fen", "amount_fen")


def _write(bills: list[tuple[Any, ...]], lines: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        # Constant columns the file does not carry get their defaults in the INSERT … SELECT.
        _copy_insert(
            Bill._meta.db_table,
            BILL_COLUMNS,
            bills,
            extra={
                "credited_fen": "0",
                "paid_fen": "0",
                "refunded_fen": "0",
                "in_flight_fen": "0",
                "source_type": "''",
                "source_id": "''",
                "updated_at": "issued_at",
            },
        )
        _copy_insert(BillLine._meta.db_table, LINE_COLUMNS, lines, extra={"kind": "'charge'"})
        return
    Bill.objects.bulk_create(
        [Bill(**dict(zip(BILL_COLUMNS, b, strict=True)), updated_at=b[-1]) for b in bills],
        batch_size=500,
    )
    BillLine.objects.bulk_create([BillLine(**dict(zip(LINE_COLUMNS, li, strict=True))) for li in lines], batch_size=500)


def _copy_insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], *, extra: dict[str, str]) -> None:
    temp = f"_bulk_{table}"
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        # Only the file's columns, with the real table's types (and none of its constraints: the
        # INSERT … SELECT below checks those, row-level security included).
        cursor.execute(
            f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS SELECT {cols} FROM "{table}" WITH NO DATA'  # noqa: S608
        )
        raw = cursor.cursor  # the psycopg cursor: COPY streams rows without building SQL text
        with raw.copy(f'COPY "{temp}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        extra_cols = ", ".join(extra)
        extra_values = ", ".join(extra.values())
        cursor.execute(
            f'INSERT INTO "{table}" ({cols}, {extra_cols}) SELECT {cols}, {extra_values} FROM "{temp}"'  # noqa: S608
        )
        cursor.execute(f'DROP TABLE "{temp}"')


def _masked_names(tenant: Tenant, payer_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    qs = (
        accounts_selectors.memberships(tenant)
        .prefetch_related(None)
        .order_by()
        .values_list("pk", "profile__company_name", "profile__full_name", "user__full_name", "user__email")
    )
    for pk, company, full_name, user_name, email in qs.iterator(20000):
        if pk in payer_ids:
            names[pk] = mask_name(company or full_name or user_name or email.split("@")[0])
    return names
