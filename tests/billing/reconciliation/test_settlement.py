"""Importing a statement writes onto each payment it lists what the provider settled: the day, the
amount and fee on the line, and the statement. Shown by the API (and described in its schema), the
payment and statement pages and the CSV export; re-importing and re-checking change nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta

import pytest

from smartgov.accounts import permissions as perms
from smartgov.audit.models import AuditEvent
from smartgov.billing.models import Payment
from smartgov.billing.reconciliation import reports, services
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue, paid_bill, pay, refresh
from tests.billing.reconciliation.fakes import StatementFakeProvider, statement
from tests.billing.reconciliation.test_reconciliation import DAY, do_import, line
from tests.builders import SYSTEM, bearer, enable_totp, make_api_key, make_member

pytestmark = pytest.mark.django_db


def settlement(payment) -> tuple:
    p = payment
    return p.settled_on, p.settlement_amount_fen, p.settlement_fee_fen, p.settlement_statement_id


def test_an_import_records_each_listed_payments_settlement_once_and_idempotently():
    tenant, water, citizen = billing_world()
    _b, ok = paid_bill(tenant, water, citizen)
    _b, short = paid_bill(tenant, water, citizen)
    _b, listed_twice = paid_bill(tenant, water, citizen)
    _b, not_listed = paid_bill(tenant, water, citizen)
    unheard = pay(tenant, issue(tenant, water, citizen))  # the channel settled it; we never heard it succeed
    content = statement(
        line(ok, fee=26),
        line(short, amount=short.amount_fen - 1, fee=25),  # an amount_mismatch: the provider's amount is kept
        line(listed_twice, fee=26),
        line(listed_twice, fee=99),  # a duplicate_line: the first line settles the payment
        line(unheard, fee=26),
    )
    st = do_import(tenant, content)
    refresh(tenant, ok, short, listed_twice, not_listed, unheard)
    assert settlement(ok) == (DAY, ok.amount_fen, 26, st.pk)
    assert settlement(short) == (DAY, short.amount_fen - 1, 25, st.pk)
    assert settlement(listed_twice) == (DAY, listed_twice.amount_fen, 26, st.pk)
    assert settlement(unheard) == (DAY, unheard.amount_fen, 26, st.pk)
    assert settlement(not_listed) == (None, None, None, None)
    with tenant_context(tenant):
        imported = AuditEvent.objects.get(tenant=tenant, action="billing.statement_imported")
        assert imported.changes["payments_settled"] == 4

    # The same file again is the statement already imported: nothing is written twice.
    with tenant_context(tenant):
        before = {p.pk: settlement(p) for p in Payment.objects.filter(tenant=tenant)}
    assert do_import(tenant, content).pk == st.pk
    with tenant_context(tenant):
        assert {p.pk: settlement(p) for p in Payment.objects.filter(tenant=tenant)} == before
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.statement_imported").count() == 1
        assert services.rematch(SYSTEM, tenant, st)["open"] > 0
        assert {p.pk: settlement(p) for p in Payment.objects.filter(tenant=tenant)} == before


def test_a_payment_listed_again_on_a_later_statement_keeps_its_first_settlement():
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    first = do_import(tenant, statement(line(p, fee=26)))
    later = DAY + timedelta(days=1)
    do_import(tenant, statement(line(p, fee=30, day=later)))
    refresh(tenant, p)
    assert settlement(p) == (DAY, p.amount_fen, 26, first.pk)


def test_a_statement_without_fees_records_no_fee(monkeypatch):
    parse = StatementFakeProvider.parse_statement

    def without_fee_column(self, content):  # as a bank statement without 手续费
        return [dataclasses.replace(row, fee_listed=False) for row in parse(self, content)]

    monkeypatch.setattr(StatementFakeProvider, "parse_statement", without_fee_column)
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    st = do_import(tenant, statement(line(p)))
    refresh(tenant, p)
    assert settlement(p) == (DAY, p.amount_fen, None, st.pk)


def test_the_api_the_pages_and_the_export_show_the_settlement(client):
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    _b, unsettled = paid_bill(tenant, water, citizen)
    st = do_import(tenant, statement(line(p, fee=26)))
    _client, key = make_api_key(tenant, [perms.BILLS_READ])
    api = f"/api/v1/t/{tenant.slug}/billing/payments"
    got = client.get(f"{api}/{p.pk}", **bearer(key)).json()
    assert (got["settled_on"], got["settlement_amount_fen"], got["settlement_fee_fen"]) == (
        DAY.isoformat(), p.amount_fen, 26
    )
    assert got["settlement_statement_id"] == str(st.pk)
    assert client.get(f"{api}/{unsettled.pk}", **bearer(key)).json()["settled_on"] is None
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["PaymentOut"]["properties"]
    for field in ("settled_on", "settlement_amount_fen", "settlement_fee_fen", "settlement_statement_id"):
        assert schema[field]["description"], field

    with tenant_context(tenant):
        rows = list(csv.DictReader(io.StringIO(reports.statement_csv(tenant, st).decode("utf-8-sig"))))
    settled = {r["reference"]: r for r in rows}
    assert (settled[p.out_trade_no]["payment_settled_on"], settled[p.out_trade_no]["payment_settlement_fee"]) == (
        DAY.isoformat(), "0.26"
    )
    assert settled[p.out_trade_no]["payment_settlement_statement"] == str(st.pk)
    assert settled[unsettled.out_trade_no]["payment_settled_on"] == ""  # missing from the statement

    # The payer's payment page says when the channel settled it; finance also sees the fee and statement.
    page = client.get(f"/{tenant.slug}/bills/payments/{p.pk}").content.decode()
    assert "2026-11-24" in page and 'id="settled-on"' in page and 'id="settled-fee"' not in page
    officer = make_member(tenant, roles=("finance",))
    enable_totp(officer.user)
    client.force_login(officer.user)
    page = client.get(f"/{tenant.slug}/bills/payments/{p.pk}").content.decode()
    assert 'id="settled-fee"' in page and f"/{tenant.slug}/reconciliation/{st.pk}" in page
    client.cookies["django_language"] = "en"
    lines = client.get(f"/{tenant.slug}/reconciliation/{st.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "on 2026-11-24, in this statement" in lines
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"/{tenant.slug}/bills/payments/{p.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "渠道结算日期" in chinese and "渠道手续费" in chinese and "结算对账单" in chinese
    chinese = client.get(f"/{tenant.slug}/reconciliation/{st.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2026-11-24，本对账单" in chinese
