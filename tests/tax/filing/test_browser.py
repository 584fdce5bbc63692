"""A worker in a real headless Chromium opens the annual reconciliation, sees the figures pre-filled
from the employer's returns and their explanation, confirms, and the refund appears."""

import re
from datetime import UTC, datetime

import pytest

from smartgov.kit import clock
from smartgov.tax import selectors
from smartgov.tenancy.context import tenant_context
from tests.builders import PASSWORD, make_tenant
from tests.conftest import CHROMIUM
from tests.tax.filing.helpers import employee, file, make_agent, make_worker, payroll_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_a_worker_confirms_the_prefilled_reconciliation_and_sees_the_refund(browser_page, live_server):
    from allauth.account.models import EmailAddress

    tenant = make_tenant("taxcity")
    agent = make_agent(tenant, name="丽水云计算有限公司")
    worker, id_number = make_worker(tenant)
    EmailAddress.objects.create(user=worker.user, email=worker.user.email, verified=True, primary=True)
    # The server thread shares the frozen clock: the 2025 reconciliation is open in April 2026.
    with clock.frozen_at(datetime(2026, 4, 2, 2, tzinfo=UTC)):
        for month in (1, 2):
            file(tenant, agent, f"2025-{month:02d}", payroll_csv([employee(id_number)]))
        page = browser_page
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", worker.user.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/taxcity/"))
        page.goto(f"{live_server.url}/taxcity/tax/")
        page.click("#open-reconciliation")
        page.wait_for_url(re.compile(r"/tax/reconciliation/2025"))
        prefill = page.inner_text("#prefill")
        assert "丽水云计算有限公司" in prefill and agent.uscc in prefill
        assert "¥60,000.00" in prefill and "¥1,180.00" in prefill  # wages and withholding, Jan + Feb
        assert "Refund of ¥1,180.00" in page.inner_text("#outcome")
        explanation = page.locator("details.explanation").first
        assert explanation.is_visible() and "Taxable income" in page.inner_text("#result")
        assert "comprehensive income" in explanation.inner_text()
        page.click("#confirm")
        page.wait_for_selector("#filed")
        with tenant_context(tenant):
            filed = selectors.filed_reconciliation(tenant, worker, 2025)
        assert filed is not None and filed.result == "refund" and filed.balance == -118000
        assert filed.refund_reference in page.inner_text("#filed")
        assert page.locator("#confirm").count() == 0
