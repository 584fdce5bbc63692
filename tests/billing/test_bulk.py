"""Bulk issuance from CSV and XLSX: a dry run reports every bad row; a clean file issues them all."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from smartgov.audit.models import AuditEvent
from smartgov.billing import selectors, services
from smartgov.billing.models import Bill, BillLine, LedgerAccount
from smartgov.billing.services.bulk import WaterTariff
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world
from tests.builders import SYSTEM, make_citizen

pytestmark = pytest.mark.django_db
HEADER = "payer_id,account_no,previous_reading,current_reading,due_date\n"


def run(tenant, biller, content: bytes, name="readings.csv", dry_run=True):
    with tenant_context(tenant):
        return services.bulk_issue_water(SYSTEM, tenant, biller, io.BytesIO(content), filename=name, dry_run=dry_run)


def test_tiered_tariff_lines():
    lines = WaterTariff().lines(Decimal("20.5"))
    assert [(q, unit) for _item, q, unit, _amount in lines] == [
        (Decimal(18), 345),
        (Decimal("2.5"), 483),
        (Decimal("20.5"), 95),
    ]
    assert [a for *_rest, a in lines] == [6210, 1208, 1948]  # 1207.5 and 1947.5 round half up


def test_a_dry_run_reports_every_bad_row_and_issues_nothing():
    tenant, water, citizen = billing_world()
    p = citizen.pk
    content = (
        HEADER
        + f"{p},A1,100,112,2099-01-31\n"
        + "not-a-uuid,A2,100,110,2099-01-31\n"
        + f"{p},A1,5,6,2099-01-31\n"  # repeats A1
        + f"{p},A3,110,100,2099-01-31\n"  # goes backwards
        + f"{p},A4,1.2345,5,31/01/2099\n"
        + f"{p},A5,1,2,2001-01-01\n"
    ).encode()
    report = run(tenant, water, content, dry_run=False)
    assert report.issued == 0 and report.rows == 6
    assert [(x["row"], x["column"]) for x in report.problems] == [
        (3, "payer_id"),
        (4, "account_no"),
        (5, "current_reading"),
        (6, "previous_reading"),
        (6, "due_date"),
        (7, "due_date"),
    ]
    with tenant_context(tenant):
        assert not Bill.objects.filter(tenant=tenant).exists()


def test_a_clean_file_issues_every_bill_with_one_audit_event_and_one_posting():
    tenant, water, citizen = billing_world()
    other = make_citizen(tenant)
    rows = [f"{(citizen if i % 2 else other).pk},ACC{i},{i},{i + 10 + i % 15},2099-01-31" for i in range(60)]
    content = (HEADER + "\n".join(rows) + "\n").encode()
    dry = run(tenant, water, content)
    assert dry.problems == [] and dry.issued == 0 and dry.total_fen > 0
    report = run(tenant, water, content, dry_run=False)
    assert report.issued == 60 and report.total_fen == dry.total_fen
    with tenant_context(tenant):
        bills = Bill.objects.filter(tenant=tenant)
        assert bills.count() == 60 and len({b.payment_code for b in bills}) == 60
        assert sum(b.total_fen for b in bills) == report.total_fen
        assert sum(BillLine.objects.filter(tenant=tenant).values_list("amount_fen", flat=True)) == report.total_fen
        assert {b.payer_name_masked for b in bills} == {"张*"}
        events = AuditEvent.objects.filter(tenant=tenant, action="billing.bills_bulk_issued")
        assert events.count() == 1 and events.get().changes["bills"] == 60
        receivable = LedgerAccount.objects.get(tenant=tenant, code="receivable:water")
        assert receivable.debits_posted == report.total_fen
        assert selectors.verify(tenant) == []


def test_xlsx_uploads_work_too():
    tenant, water, citizen = billing_world()
    book = Workbook()
    sheet = book.active
    sheet.append(["payer_id", "account_no", "previous_reading", "current_reading", "due_date"])
    sheet.append([str(citizen.pk), "X1", 10, 22.5, "2099-02-28"])
    sheet.append([str(citizen.pk), "X2", "abc", 5, "2099-02-28"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(tenant, water, buffer.getvalue(), name="readings.xlsx")
    assert report.problems == [
        {"row": 3, "column": "previous_reading", "reason": "not a reading (a number ≥ 0 with at most 3 decimals)"}
    ]
