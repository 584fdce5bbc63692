"""The wallet and the inbox in a real headless Chromium (the system's): a citizen uploads a
document (a disguised program is refused), downloads it back through its signed link, and reads a
notice (htmx marks it read)."""

import pytest
from django.conf import settings
from django.test import Client

from smartgov.notices import services as notices
from smartgov.tenancy.context import tenant_context
from tests.builders import make_citizen, make_tenant
from tests.conftest import CHROMIUM
from tests.documents import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in_page(monkeypatch, live_server):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    tenant = make_tenant("wallet-city")
    citizen = make_citizen(tenant)
    django_client = Client()
    django_client.force_login(citizen.user)  # the sign-in itself is tested in tests/web
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB", accept_downloads=True)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
                             {"name": "django_language", "value": "en", "url": live_server.url}])
        context.set_default_timeout(10_000)
        try:
            yield context.new_page(), live_server.url, tenant, citizen
        finally:
            context.close()
            browser.close()


def test_a_citizen_uploads_and_downloads_a_document(signed_in_page):
    page, url, tenant, _citizen = signed_in_page
    content = samples.pdf("tenancy agreement")
    page.goto(f"{url}/{tenant.slug}/documents/")
    # A program dressed up as a PDF is refused, naming the problem on the form.
    page.set_input_files("input[name=file]", files=[{"name": "invoice.pdf", "mimeType": "application/pdf",
                                                     "buffer": samples.PE}])
    page.get_by_role("button", name="Upload").click()
    assert "Programs and scripts cannot be uploaded." in page.content()
    assert "No documents yet." in page.content()
    page.set_input_files("input[name=file]", files=[{"name": "agreement.pdf", "mimeType": "application/pdf",
                                                     "buffer": content}])
    page.fill("input[name=title]", "Tenancy agreement")
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Document uploaded.")
    assert page.locator("table").inner_text().count("Tenancy agreement") == 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "agreement.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == content


def test_a_citizen_reads_a_notice(signed_in_page):
    page, url, tenant, citizen = signed_in_page
    with tenant_context(tenant):
        notices.notify(tenant, citizen, "application_submitted", {"service": "Residence permit", "reference": "W-1"})
    page.goto(f"{url}/{tenant.slug}/notices/")
    assert page.locator(".messages-list .unread").count() == 1
    page.get_by_role("button", name="Mark as read").click()
    page.wait_for_function("document.querySelectorAll('.messages-list .unread').length === 0")
    assert "W-1" in page.locator(".messages-list").inner_text()
