"""People using the pages in a real headless Chromium (the system's, never a downloaded one): a
citizen registers with the one-time code from the mail outbox and signs in; a staff member signs
in with a password and a TOTP code.

With ``SMARTGOV_SCREENSHOT_DIR`` set, the walk also saves the README's screenshots there."""

import os
import re
from pathlib import Path

import pytest

from tests.builders import PASSWORD, enable_totp, make_citizen, make_department, make_member, make_tenant, totp_code
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
SHOTS = os.environ.get("SMARTGOV_SCREENSHOT_DIR", "")


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database calls (the
    # builders) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 760})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def mailed_code(folder: Path, to: str) -> str:
    """The newest one-time code mailed to ``to``, read from the file outbox."""
    for message in sorted(folder.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True):
        text = message.read_text(encoding="utf-8")
        if f"To: {to}" in text:
            return CODE.search(text.split("\n\n", 1)[1]).group(1)
    raise AssertionError(f"no mail to {to} in {folder}")


def lishui():
    from smartgov.tenancy.models import Tenant

    tenant = make_tenant("lishui")
    Tenant.objects.filter(pk=tenant.pk).update(name_zh="丽水市（演示）", name_en="Lishui City (demo)")
    tenant.refresh_from_db()
    return tenant


def shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_a_citizen_registers_with_the_mailed_code_and_signs_in(browser_page, live_server, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    lishui()
    page = browser_page
    page.goto(f"{live_server.url}/lishui/")
    page.get_by_role("link", name="Create an account").click()
    page.fill("input[name=email]", "citizen@example.org")
    page.fill("input[name=password1]", "Rivers-and-Mountains-88")
    page.fill("input[name=password2]", "Rivers-and-Mountains-88")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    code = mailed_code(tmp_path / "mail", "citizen@example.org")
    page.fill("input[name=code]", code)
    page.locator("form button[type=submit]").first.click()
    page.goto(f"{live_server.url}/lishui/")
    assert "Signed in as citizen@example.org." in page.inner_text("main")
    assert page.get_by_role("link", name="Administration").count() == 0  # citizens don't administer
    shoot(page, "citizen-signed-in.png")
    # Sign out and in again with the password.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "citizen@example.org")
    page.fill("input[name=password]", "Rivers-and-Mountains-88")
    page.locator("form button[type=submit]").last.click()
    page.goto(f"{live_server.url}/lishui/")
    assert "Signed in as citizen@example.org." in page.inner_text("main")


def test_staff_sign_in_with_password_and_totp(browser_page, live_server):
    from allauth.account.models import EmailAddress

    tenant = lishui()
    make_department(tenant, "civil-affairs")
    for _ in range(4):
        make_citizen(tenant)
    admin = make_member(tenant, "admin", roles=("tenant_admin",), email="admin@lishui.example")
    EmailAddress.objects.create(user=admin.user, email=admin.user.email, verified=True, primary=True)
    secret = enable_totp(admin.user)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "admin@lishui.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/lishui/"))
    page.get_by_role("link", name="Administration").click()
    page.wait_for_url(re.compile(r"/lishui/manage/"))
    page.goto(f"{live_server.url}/lishui/manage/people?kind=citizen")
    assert page.get_by_role("heading", name="People").is_visible()
    text = page.inner_text("main")
    assert "**********" in text  # identity numbers masked
    shoot(page, "staff-manage.png")
