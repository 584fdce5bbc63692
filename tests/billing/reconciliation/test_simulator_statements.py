"""Reconciliation of the real channels' statement files, as the payment-provider simulator writes
them and the adapters parse them: a clean day reconciles; a doctored file shows its differences."""

from __future__ import annotations

import pytest

from smartgov.billing import services as billing_services
from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import start
from smartgov.billing.providers.registry import default_providers
from smartgov.billing.reconciliation import selectors, services
from smartgov.kit import clock
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue
from tests.billing.test_chaos import payer_clicks_pay
from tests.builders import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def paysim(tmp_path, settings):
    keys = ensure_keys(tmp_path / "keys")
    running = start(SimConfig(data_dir=tmp_path / "paysim", keys_dir=keys, retry_max_attempts=1))
    settings.PAYMENT_PROVIDERS = default_providers(running.url, keys)
    settings.BILLING_POLL_AFTER_SECONDS = 0
    yield running
    running.stop()


@pytest.mark.parametrize("channel", ["alipay", "wechat", "unionpay"])
def test_a_days_statement_from_the_channel_reconciles_and_a_doctored_one_does_not(paysim, channel):
    tenant, water, citizen = billing_world(f"sim-{channel}")
    payments = []
    for cents in (1234, 5678):
        bill = issue(tenant, water, citizen, lines=[{"item": "水费", "quantity": 1, "unit_price_fen": cents}])
        with tenant_context(tenant):
            payment = billing_services.create_payment(
                SYSTEM, tenant, payment_code=bill.payment_code, channel=channel, amount_fen=cents, currency="CNY",
                notify_url="http://127.0.0.1:9/unreachable", return_url="http://127.0.0.1:9/back",
            )
        payer_clicks_pay(payment.checkout_url)
        payments.append(payment)
    with tenant_context(tenant):  # the notifications cannot reach us: polling learns of the payments
        assert billing_services.poll_stale_payments(tenant) == {"succeeded": 2}
    day = clock.now().astimezone(selectors.PROVIDER_ZONE).date()
    content = paysim.simulator.statement(channel, day)
    with tenant_context(tenant):
        fetched = services.fetch_and_import(SYSTEM, tenant, channel=channel, day=day)
        assert fetched.lines_count == 2 and fetched.payments_fen == 1234 + 5678
        assert fetched.fees_fen > 0  # the channel's fee shows in the totals, not as a difference
        assert list(selectors.differences(tenant, fetched)) == []
        services.close_statement(SYSTEM, tenant, fetched)
    # The same day's file with one amount changed by a fen (in yuan on the wire) and one line dropped.
    text = content.decode("utf-8")
    before, after = ("000000005678", "000000005679") if channel == "unionpay" else ("56.78", "56.79")
    assert before in text and payments[0].out_trade_no in text
    lines = [ln for ln in text.splitlines(keepends=True) if payments[0].out_trade_no not in ln]
    doctored = "".join(lines).replace(before, after).encode()
    with tenant_context(tenant):
        from smartgov.billing.reconciliation.models import Statement

        Statement.objects.filter(pk=fetched.pk).delete()  # start the day over with the doctored file
        statement = services.import_statement(SYSTEM, tenant, channel=channel, content=doctored, day=day)
        found = sorted(
            (d.kind, d.reference, d.ours_fen, d.theirs_fen) for d in selectors.differences(tenant, statement)
        )
    assert found == [
        ("amount_mismatch", payments[1].out_trade_no, 5678, 5679),
        ("missing_statement", payments[0].out_trade_no, 1234, None),
    ]


def test_the_daily_task_fetches_each_channels_statement_once_and_rechecks(paysim):
    from smartgov.billing.reconciliation.models import Statement
    from smartgov.billing.reconciliation.tasks import reconcile_day

    tenant, water, citizen = billing_world("sim-daily")
    bill = issue(tenant, water, citizen)
    with tenant_context(tenant):
        payment = billing_services.create_payment(
            SYSTEM, tenant, payment_code=bill.payment_code, channel="alipay", amount_fen=bill.lines_fen,
            currency="CNY", notify_url="http://127.0.0.1:9/unreachable", return_url="http://127.0.0.1:9/back",
        )
    payer_clicks_pay(payment.checkout_url)
    day = clock.now().astimezone(selectors.PROVIDER_ZONE).date()
    first = reconcile_day(tenant, day)  # we have not heard of the payment yet: alipay's file shows it
    assert first == {"imported": 4, "unavailable": 0, "rechecked": 4}  # alipay, wechat, unionpay, bank
    with tenant_context(tenant):
        alipay = Statement.objects.get(tenant=tenant, channel="alipay", day=day)
        assert [d.kind for d in selectors.differences(tenant, alipay, state="open")] == ["state_mismatch"]
        assert billing_services.poll_stale_payments(tenant) == {"succeeded": 1}
    second = reconcile_day(tenant, day)
    assert second == {"imported": 0, "unavailable": 0, "rechecked": 4}
    with tenant_context(tenant):
        assert list(selectors.differences(tenant, alipay, state="open")) == []
