"""A payer in a real headless Chromium: look a bill up by its payment code, pay it through the
payment-provider simulator's hosted checkout, land back on our pages, open the receipt and follow
its verification link (what the QR code opens) to see it is valid."""

from __future__ import annotations

import re
import urllib.request

import pytest

from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import start
from smartgov.billing.providers.registry import default_providers
from tests.billing.helpers import billing_world, issue
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paysim(tmp_path, settings):
    keys = ensure_keys(tmp_path / "keys")
    running = start(SimConfig(data_dir=tmp_path / "paysim", keys_dir=keys, retry_base=0.2, notify_timeout=5.0))
    settings.PAYMENT_PROVIDERS = default_providers(running.url, keys)  # every channel: this simulator
    yield running
    running.stop()


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_pay_by_payment_code_through_the_checkout_and_verify_the_receipt(live_server, paysim, page):
    tenant, water, citizen = billing_world("browserpay")
    bill = issue(tenant, water, citizen)
    page.goto(f"{live_server.url}/{tenant.slug}/bills/")
    page.fill("input[name=code]", bill.payment_code)
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(re.compile(rf"/bills/code/{bill.payment_code}$"))
    assert "¥43.13" in page.content()
    page.check("input[name=channel][value=alipay]")
    page.click("#pay")
    page.wait_for_url(re.compile(re.escape(paysim.url) + "/checkout/"))  # the provider's hosted page
    page.get_by_role("button", name="确认支付 / Pay").click()
    page.wait_for_url(re.compile(rf"/{tenant.slug}/bills/payments/"))  # back on our payment page
    payment_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.wait_for_selector("#payment-result:has-text('succeeded')", timeout=20_000)  # the notification arrived

    page.goto(f"{live_server.url}/{tenant.slug}/receipts/payment/{payment_id}")
    number = page.inner_text("#receipt-number")
    assert re.search(r"PJ-\d{4}-\d{6}", number), number
    assert page.inner_text("#receipt-words") == "肆拾叁元壹角叁分"
    pdf_href = page.get_attribute("#receipt-pdf", "href")
    with urllib.request.urlopen(f"{live_server.url}{pdf_href}", timeout=10) as answer:  # noqa: S310 (our own server)
        assert answer.headers["Content-Type"] == "application/pdf" and answer.read().startswith(b"%PDF")

    page.click("#receipt-verify")  # the URL the QR code carries
    page.wait_for_url(re.compile(rf"/{tenant.slug}/receipts/verify/"))
    result = page.locator("#verify-result")
    assert result.get_attribute("data-valid") == "true"
    assert "Valid" in result.inner_text()
