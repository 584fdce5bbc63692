"""Each demo tenant collects into a merchant account of its own at every channel of the simulator: its
own ids and keys, its own statements; and reconciliation imports only its own merchant's statement."""

from __future__ import annotations

import base64
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.accounts import permissions as perms
from smartgov.billing import channels
from smartgov.billing import services as billing_services
from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import start
from smartgov.billing.providers.base import CheckoutRequest, ProviderError
from smartgov.billing.providers.registry import DEMO_IDS, DEMO_TENANT_MERCHANTS, build, default_providers, for_tenant
from smartgov.billing.reconciliation import selectors, services
from smartgov.billing.reconciliation.models import Statement
from smartgov.demo.world import TENANTS
from smartgov.kit import clock
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue
from tests.billing.test_chaos import payer_clicks_pay
from tests.builders import SYSTEM, bearer, enable_totp, make_api_key, make_member

pytestmark = pytest.mark.django_db
CHANNELS = ("alipay", "wechat", "unionpay", "bank")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return ensure_keys(tmp_path_factory.mktemp("merchant-keys"))


@pytest.fixture
def paysim(tmp_path, settings, keys):
    running = start(SimConfig(data_dir=tmp_path / "paysim", keys_dir=keys, retry_max_attempts=1))
    settings.PAYMENT_PROVIDERS = default_providers(running.url, keys)
    settings.BILLING_POLL_AFTER_SECONDS = 0
    yield running
    running.stop()


def test_every_demo_tenant_has_a_merchant_of_its_own_at_every_channel():
    slugs = [slug for slug, *_rest in TENANTS]
    assert sorted(DEMO_TENANT_MERCHANTS) == sorted(slugs)
    for channel in CHANNELS:
        ids = [DEMO_IDS[channel]["merchant_id"]] + [DEMO_TENANT_MERCHANTS[s][channel]["merchant_id"] for s in slugs]
        assert len(set(ids)) == len(ids), channel
    conf = default_providers("http://sim.test", "/keys")["alipay"]
    lishui, dalian, other = (for_tenant(conf, slug) for slug in ("lishui", "dalian", "city99"))
    assert (lishui["app_id"], dalian["app_id"], other["app_id"]) == (
        DEMO_TENANT_MERCHANTS["lishui"]["alipay"]["app_id"],
        DEMO_TENANT_MERCHANTS["dalian"]["alipay"]["app_id"],
        DEMO_IDS["alipay"]["app_id"],
    )
    assert lishui["private_key_path"] != dalian["private_key_path"] != other["private_key_path"]
    assert lishui["provider_public_key_path"] == other["provider_public_key_path"]  # the provider is one


def pay_through_the_simulator(tenant, water, citizen, channel, cents):
    bill = issue(tenant, water, citizen, lines=[{"item": "水费", "quantity": 1, "unit_price_fen": cents}])
    with tenant_context(tenant):
        payment = billing_services.create_payment(
            SYSTEM, tenant, payment_code=bill.payment_code, channel=channel, amount_fen=cents, currency="CNY",
            notify_url="http://127.0.0.1:9/unreachable", return_url="http://127.0.0.1:9/back",
        )
    payer_clicks_pay(payment.checkout_url)
    return payment


@pytest.mark.parametrize("channel", ["alipay", "wechat", "unionpay"])
def test_two_cities_statements_list_only_their_own_payments_and_each_refuses_the_others(paysim, channel):
    lishui, water_ls, citizen_ls = billing_world("lishui")
    dalian, water_dl, citizen_dl = billing_world("dalian")
    ours = pay_through_the_simulator(lishui, water_ls, citizen_ls, channel, 1234)
    theirs = pay_through_the_simulator(dalian, water_dl, citizen_dl, channel, 5678)
    for tenant in (lishui, dalian):
        with tenant_context(tenant):
            assert billing_services.poll_stale_payments(tenant) == {"succeeded": 1}
    day = clock.now().astimezone(selectors.PROVIDER_ZONE).date()

    # Each city fetches its own merchant's statement: its own payment only, nothing to reconcile.
    with tenant_context(lishui):
        st = services.fetch_and_import(SYSTEM, lishui, channel=channel, day=day)
        assert [ln.out_trade_no for ln in selectors.lines(lishui, st)] == [ours.out_trade_no]
        assert list(selectors.differences(lishui, st)) == []
    own_ids = DEMO_TENANT_MERCHANTS["dalian"][channel]["merchant_id"]
    dalian_file = paysim.simulator.statement(channel, day, own_ids)
    assert theirs.out_trade_no.encode() in dalian_file and ours.out_trade_no.encode() not in dalian_file
    # The shared default merchant's statement has neither.
    default_file = paysim.simulator.statement(channel, day)
    assert ours.out_trade_no.encode() not in default_file and theirs.out_trade_no.encode() not in default_file

    # Lishui's statement given to Dalian is refused, naming the merchant, and nothing is imported.
    lishui_file = paysim.simulator.statement(channel, day, DEMO_TENANT_MERCHANTS["lishui"][channel]["merchant_id"])
    with tenant_context(dalian), pytest.raises(InvalidInput) as refused:
        services.import_statement(SYSTEM, dalian, channel=channel, content=lishui_file, day=day)
    lishui_id = DEMO_TENANT_MERCHANTS["lishui"][channel]["merchant_id"]
    assert refused.value.code == "statement_wrong_merchant" and refused.value.status == 422
    assert lishui_id in refused.value.message and own_ids in refused.value.message
    assert all(lishui_id in d["reason"] and d["line"] >= 1 for d in refused.value.details)
    with tenant_context(dalian):
        assert not Statement.objects.filter(tenant=dalian).exists()
        mine = services.import_statement(SYSTEM, dalian, channel=channel, content=dalian_file, day=day)
        assert [ln.out_trade_no for ln in selectors.lines(dalian, mine)] == [theirs.out_trade_no]


def test_a_citys_keys_speak_for_its_merchant_only_and_it_cannot_see_another_citys_trades(paysim, keys):
    conf = default_providers(paysim.url, keys)["alipay"]
    lishui, dalian = build("alipay", for_tenant(conf, "lishui")), build("alipay", for_tenant(conf, "dalian"))
    order = CheckoutRequest(
        out_trade_no="88000000000000000001-ab12", amount_fen=100, currency="CNY", subject="水费",
        notify_url="", return_url="", expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    assert lishui.create_checkout(order).redirect_url
    assert lishui.query(order.out_trade_no).status == "pending"
    assert dalian.query(order.out_trade_no) is None  # another merchant's order is not there for it
    # Dalian's app id with Lishui's private key: the simulator checks the key of the merchant named.
    lishui_key = for_tenant(conf, "lishui")["private_key_path"]
    forged = build("alipay", {**for_tenant(conf, "dalian"), "private_key_path": lishui_key})
    with pytest.raises(ProviderError, match="signature"):
        forged.query(order.out_trade_no)


def test_a_bank_transfer_lands_in_the_statement_of_the_account_it_was_sent_to(paysim, keys):
    conf = default_providers(paysim.url, keys)["bank"]
    lishui, dalian = build("bank", for_tenant(conf, "lishui")), build("bank", for_tenant(conf, "dalian"))
    form = {"payer_name": "张三", "payer_account": "6217000011112222", "amount": "88.00", "note": "LS-2026-000001",
            "payee_account": DEMO_TENANT_MERCHANTS["lishui"]["bank"]["account_no"]}
    with urllib.request.urlopen(f"{paysim.url}/bank/transfer", data=urllib.parse.urlencode(form).encode()) as answer:  # noqa: S310
        assert answer.status == 200
    day = clock.now().astimezone(selectors.PROVIDER_ZONE).date()
    mine, other = lishui.fetch_statement(day), dalian.fetch_statement(day)
    assert [r.out_trade_no for r in lishui.parse_statement(mine)] == ["LS-2026-000001"]
    assert dalian.parse_statement(other) == []
    assert lishui.statement_accounts(mine) == {DEMO_TENANT_MERCHANTS["lishui"]["bank"]["account_no"]: 1}
    assert dalian.statement_accounts(other) == {dalian.merchant_account: 1} != {lishui.merchant_account: 1}


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_file_that_names_no_merchant_or_is_not_text_names_none(keys, channel):
    adapter = build(channel, default_providers("http://127.0.0.1:9", keys)[channel])
    assert adapter.merchant_account
    assert adapter.statement_accounts(b"\xff\xfe\x00\x81") == {}
    assert adapter.statement_accounts(b"") == {}


def test_another_merchants_statement_is_a_422_naming_it_on_the_api_and_the_page(client, paysim):
    lishui, water, citizen = billing_world("lishui")
    pay_through_the_simulator(lishui, water, citizen, "alipay", 999)
    day = clock.now().astimezone(selectors.PROVIDER_ZONE).date()
    foreign = paysim.simulator.statement("alipay", day)  # the default merchant's, not Lishui's
    _client, key = make_api_key(lishui, [perms.FINANCE_RECONCILE])
    r = client.post(
        f"/api/v1/t/{lishui.slug}/billing/reconciliation/statements",
        data={"channel": "alipay", "content_base64": base64.b64encode(foreign).decode()},
        content_type="application/json",
        **bearer(key),
    )
    assert r.status_code == 422 and r.json()["code"] == "statement_wrong_merchant"
    assert DEMO_IDS["alipay"]["merchant_id"] in r.json()["message"]
    assert r.json()["details"] == [
        {"line": 2, "reason": f"statement of merchant {DEMO_IDS['alipay']['merchant_id']}; this tenant's merchant "
                              f"is {DEMO_TENANT_MERCHANTS['lishui']['alipay']['merchant_id']}"}
    ]
    officer = make_member(lishui, roles=("finance",))
    enable_totp(officer.user)
    client.force_login(officer.user)
    upload = SimpleUploadedFile("alipay.csv", foreign, content_type="text/csv")
    page = client.post(f"/{lishui.slug}/reconciliation/", {"imp-channel": "alipay", "imp-file": upload})
    assert page.status_code == 422 and DEMO_IDS["alipay"]["merchant_id"] in page.content.decode()
    with tenant_context(lishui):
        assert not Statement.objects.filter(tenant=lishui).exists()
    assert channels.provider("alipay", lishui).merchant_account == DEMO_TENANT_MERCHANTS["lishui"]["alipay"][
        "merchant_id"
    ]
