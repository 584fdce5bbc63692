"""Importing statements, matching, resolving differences, closing days, exports, over the database."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, date, datetime

import pytest

from smartgov.accounts import permissions as perms
from smartgov.audit.models import AuditEvent
from smartgov.billing import services as billing_services
from smartgov.billing.reconciliation import reports, selectors, services
from smartgov.billing.reconciliation.models import Difference, Statement
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue, notify, paid_bill, pay, refresh
from tests.billing.reconciliation.fakes import statement
from tests.builders import SYSTEM, bearer, make_api_key

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)  # the fake channel's notifications say paid 2026-11-24 10:00 UTC


def line(payment, amount=None, fee=0, day=DAY, kind="payment", refund_no=""):
    return (kind, payment.out_trade_no, refund_no, "T1", payment.amount_fen if amount is None else amount, fee,
            "CNY", day.isoformat())


def do_import(tenant, content, **kw):
    with tenant_context(tenant):
        return services.import_statement(SYSTEM, tenant, channel="fakepay", content=content, **kw)


def diffs(tenant, st):
    with tenant_context(tenant):
        return {(d.kind, d.reference): d for d in selectors.differences(tenant, st)}


def test_a_statement_that_agrees_has_no_differences_and_its_day_closes():
    tenant, water, citizen = billing_world()
    _b1, p1 = paid_bill(tenant, water, citizen)
    _b2, p2 = paid_bill(tenant, water, citizen)
    st = do_import(tenant, statement(line(p1, fee=26), line(p2, fee=26)), filename="d.csv")
    assert (st.lines_count, st.payments_fen, st.fees_fen, st.net_fen) == (2, 8626, 52, 8574)
    assert diffs(tenant, st) == {}
    with tenant_context(tenant):
        assert selectors.lines(tenant, st).filter(matched=True).count() == 2
        closed = services.close_statement(SYSTEM, tenant, st)
        assert closed.state == "closed"
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.statement_imported").count() == 1
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.statement_closed").count() == 1


def test_differences_on_both_sides_must_be_resolved_with_a_reason_before_closing():
    tenant, water, citizen = billing_world()
    _b, ok = paid_bill(tenant, water, citizen)
    _b, wrong_amount = paid_bill(tenant, water, citizen)
    _b, not_on_statement = paid_bill(tenant, water, citizen)
    open_payment = pay(tenant, issue(tenant, water, citizen))  # we never heard it succeed
    content = statement(
        line(ok), line(wrong_amount, amount=wrong_amount.amount_fen - 1), line(open_payment),
        ("payment", "99999999999999999999-ghost", "", "T9", 500, 0, "CNY", DAY.isoformat()),
    )
    st = do_import(tenant, content)
    found = diffs(tenant, st)
    assert set(found) == {
        ("amount_mismatch", wrong_amount.out_trade_no),
        ("state_mismatch", open_payment.out_trade_no),
        ("missing_ours", "99999999999999999999-ghost"),
        ("missing_statement", not_on_statement.out_trade_no),
    }
    mismatch = found[("amount_mismatch", wrong_amount.out_trade_no)]
    assert (mismatch.ours_fen, mismatch.theirs_fen) == (wrong_amount.amount_fen, wrong_amount.amount_fen - 1)
    with tenant_context(tenant):
        with pytest.raises(Conflict) as refused:
            services.close_statement(SYSTEM, tenant, st)
        assert refused.value.code == "differences_open"
        with pytest.raises(InvalidInput):
            services.resolve_difference(SYSTEM, tenant, mismatch, reason="   ")
        for d in found.values():
            services.resolve_difference(SYSTEM, tenant, d, reason=f"checked with the provider: {d.kind}")
        with pytest.raises(Conflict):
            services.resolve_difference(SYSTEM, tenant, mismatch, reason="again")
        services.close_statement(SYSTEM, tenant, st)
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.difference_resolved").count() == 4
        later = Difference.objects.get(pk=mismatch.pk)
        assert later.resolution == "checked with the provider: amount_mismatch"


def test_a_malformed_file_is_refused_with_every_bad_line_and_imports_nothing():
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    content = statement(
        line(p),
        ("payment", "x", "", "T", "12.5", 0, "CNY", DAY.isoformat()),  # line 3: not fen
        line(p),
        ("gift", "y", "", "T", 1, 0, "CNY", DAY.isoformat()),  # line 5: unknown kind
        ("payment", "z", "", "T", 1, 0, "CNY"),  # line 6: a cell short
    )
    with pytest.raises(InvalidInput) as refused:
        do_import(tenant, content)
    assert refused.value.code == "statement_rejected"
    assert [d["line"] for d in refused.value.details] == [3, 5, 6]
    assert "unknown kind" in refused.value.details[1]["reason"]
    with tenant_context(tenant):
        assert not Statement.objects.filter(tenant=tenant).exists()
    with pytest.raises(InvalidInput) as header:
        do_import(tenant, b"what,is,this\n")
    assert header.value.details == [{"line": 1, "reason": header.value.details[0]["reason"]}]
    with pytest.raises(InvalidInput):
        do_import(tenant, b"")


def test_reimporting_the_same_file_is_idempotent_and_another_file_for_the_day_conflicts():
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    first = do_import(tenant, statement(line(p)))
    assert do_import(tenant, statement(line(p))).pk == first.pk
    with pytest.raises(Conflict):
        do_import(tenant, statement(line(p, fee=1)))
    with pytest.raises(InvalidInput) as stray:
        do_import(tenant, statement(line(p, day=date(2026, 11, 25))), day=DAY)
    assert stray.value.code == "statement_rejected"


def test_a_recheck_clears_what_a_late_notification_put_right():
    tenant, water, citizen = billing_world()
    late = pay(tenant, issue(tenant, water, citizen))
    st = do_import(tenant, statement(line(late)))
    assert set(diffs(tenant, st)) == {("state_mismatch", late.out_trade_no)}
    notify(tenant, late)  # the notification finally arrives
    with tenant_context(tenant):
        assert services.rematch(SYSTEM, tenant, st) == {"cleared": 1, "added": 0, "open": 0}
        services.close_statement(SYSTEM, tenant, st)
        with pytest.raises(Conflict):
            services.rematch(SYSTEM, tenant, st)


def test_refund_lines_match_our_refunds():
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    with tenant_context(tenant):
        refund = billing_services.refund_payment(SYSTEM, tenant, p.pk, amount_fen=1000, reason="meter misread")
    refresh(tenant, refund)
    assert refund.state == "succeeded"
    day = refund.finished_at.astimezone(selectors.PROVIDER_ZONE).date()
    rows = [line(p)] if day == DAY else []
    rows.append(("refund", p.out_trade_no, refund.out_refund_no, "T1", 1000, -6, "CNY", day.isoformat()))
    st = do_import(tenant, statement(*rows), day=day)
    with tenant_context(tenant):
        assert selectors.lines(tenant, st).get(kind="refund").refund_id == refund.pk
    assert all(kind != "missing_ours" for kind, _ref in diffs(tenant, st))
    assert ("missing_statement", refund.out_refund_no) not in diffs(tenant, st)


def test_statement_csv_lists_lines_and_what_is_missing():
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    _b, missing = paid_bill(tenant, water, citizen)
    st = do_import(tenant, statement(line(p, fee=26)))
    with tenant_context(tenant):
        text = reports.statement_csv(tenant, st).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["reference"], r["result"]) for r in rows] == [
        (p.out_trade_no, "matched"),
        (missing.out_trade_no, "missing_statement"),
    ]
    assert rows[0]["statement_amount"] == "43.13" and rows[0]["fee"] == "0.26"


@clock.frozen_at(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
def test_collections_by_biller_and_channel_and_ageing_buckets():
    tenant, water, citizen = billing_world()
    from tests.builders import make_department

    gas = make_department(tenant, "gas")
    _b, _p1 = paid_bill(tenant, water, citizen)
    _b, _p2 = paid_bill(tenant, water, citizen)
    _b, _p3 = paid_bill(tenant, gas, citizen)
    issue(tenant, water, citizen, due=date(2026, 9, 1))  # 84 days overdue on 2026-11-24
    issue(tenant, gas, citizen, due=date(2026, 12, 31))  # not due
    partly = issue(tenant, gas, citizen, due=date(2026, 11, 10))  # 14 days overdue, partly paid
    notify(tenant, pay(tenant, partly, 1000))
    with tenant_context(tenant):
        rows = reports.collections(tenant, DAY, DAY)
        ageing = {r.biller: r for r in reports.ageing(tenant, DAY)}
    assert [(r.biller, r.channel, r.payments, r.collected_fen) for r in rows] == [
        ("gas", "fakepay", 2, 4313 + 1000),
        ("water", "fakepay", 2, 8626),
    ]
    assert ageing["water"].buckets["61-90"] == 4313 and ageing["water"].total_fen == 4313
    assert ageing["gas"].buckets["not_due"] == 4313
    assert ageing["gas"].buckets["1-30"] == 3313
    assert ageing["gas"].bills == 2
    assert reports.bucket_of(0) == "not_due" and reports.bucket_of(181) == "180+" and reports.bucket_of(30) == "1-30"


def test_api_import_resolve_close_and_export(client):
    tenant, water, citizen = billing_world()
    _b, p = paid_bill(tenant, water, citizen)
    _b, missing = paid_bill(tenant, water, citizen)
    _c, finance = make_api_key(tenant, [perms.FINANCE_RECONCILE])
    _c, clerk = make_api_key(tenant, [perms.BILLS_READ])
    base = f"/api/v1/t/{tenant.slug}/billing/reconciliation"
    body = {"channel": "fakepay", "content_base64": base64.b64encode(statement(line(p))).decode()}
    assert client.post(f"{base}/statements", body, content_type="application/json", **bearer(clerk)).status_code == 403
    made = client.post(f"{base}/statements", body, content_type="application/json", **bearer(finance))
    assert made.status_code == 201, made.content
    st = made.json()
    assert st["open_differences"] == 1 and st["matched"] == 1 and st["day"] == DAY.isoformat()
    [diff] = st["differences"]
    assert (diff["kind"], diff["reference"]) == ("missing_statement", missing.out_trade_no)
    refused = client.post(f"{base}/statements/{st['id']}/close", **bearer(finance))
    assert refused.status_code == 409 and refused.json()["code"] == "differences_open"
    no_reason = client.post(
        f"{base}/differences/{diff['id']}/resolve", {"reason": ""}, content_type="application/json", **bearer(finance)
    )
    assert no_reason.status_code == 422
    resolved = client.post(
        f"{base}/differences/{diff['id']}/resolve", {"reason": "settled next day"}, content_type="application/json",
        **bearer(finance),
    )
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    closed = client.post(f"{base}/statements/{st['id']}/close", **bearer(finance))
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    exported = client.get(f"{base}/statements/{st['id']}/csv", **bearer(finance))
    assert exported.status_code == 200 and "settled next day" in exported.content.decode("utf-8-sig")
    bad = {"channel": "fakepay", "content_base64": base64.b64encode(b"nope\n").decode()}
    rejected = client.post(f"{base}/statements", bad, content_type="application/json", **bearer(finance))
    assert rejected.status_code == 422 and rejected.json()["code"] == "statement_rejected"
    assert rejected.json()["details"][0]["line"] == 1
    not_b64 = client.post(f"{base}/statements", {"channel": "fakepay", "content_base64": "%%"},
                          content_type="application/json", **bearer(finance))
    assert not_b64.status_code == 422
    unknown = client.post(f"{base}/statements", {**body, "channel": "nope"}, content_type="application/json",
                          **bearer(finance))
    assert unknown.status_code == 422
    report = client.get(f"{base}/reports/collections?date_from=2026-11-01&date_to=2026-11-30", **bearer(finance))
    assert report.status_code == 200 and report.json()[0]["collected_fen"] == 8626
    assert client.get(f"{base}/reports/ageing.csv?as_of=2026-11-24", **bearer(finance)).status_code == 200
    assert client.get(f"{base}/reports/collections?date_from=2026-12-01&date_to=2026-11-01",
                      **bearer(finance)).status_code == 422


def test_another_tenants_statement_and_differences_are_not_found(client):
    t1, w1, c1 = billing_world("rec-a")
    t2, _w, _c = billing_world("rec-b")
    _b, _p = paid_bill(t1, w1, c1)
    st = do_import(t1, statement(), day=DAY)
    [diff] = diffs(t1, st).values()
    _c, key2 = make_api_key(t2, [perms.FINANCE_RECONCILE])
    base = f"/api/v1/t/{t2.slug}/billing/reconciliation"
    assert client.get(f"{base}/statements/{st.pk}", **bearer(key2)).status_code == 404
    assert client.post(f"{base}/differences/{diff.pk}/resolve", {"reason": "x"}, content_type="application/json",
                       **bearer(key2)).status_code == 404
    assert client.post(f"{base}/statements/{st.pk}/close", **bearer(key2)).status_code == 404
