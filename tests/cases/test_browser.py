"""Issue 3's walk in a real headless Chromium (the system's): a citizen finds a service, applies with
a pre-filled form and a document from the wallet, submits; staff claims and asks for a correction;
the citizen amends; staff approves; the citizen downloads the certificate; the public verification
page says valid, and after a supervisor revokes it, revoked."""

from __future__ import annotations

import re

import pytest

from smartgov.cases.models import Application
from smartgov.tenancy.context import tenant_context
from tests.builders import PASSWORD, totp_code
from tests.cases.builders import make_world
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def person(browser, live_server, email, totp_secret=None):
    """A signed-in browser context for one person (staff complete the TOTP step)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(email=email, defaults={"user": _user(email), "verified": True, "primary": True})
    context = browser.new_context(locale="en-GB", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    if totp_secret:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name=code]", totp_code(totp_secret))
        page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    return page


def _user(email):
    from smartgov.accounts.models import User

    return User.objects.get(email=email)


def test_apply_correct_approve_download_verify_revoke(browser, live_server):
    from playwright.sync_api import expect

    world = make_world("walk")
    base = f"{live_server.url}/{world.tenant.slug}"
    citizen = person(browser, live_server, world.citizen.user.email)

    # The citizen finds the service and applies: the form is pre-filled, the lease comes from the wallet.
    citizen.goto(f"{base}/cases/apply/")
    citizen.fill("#q", "Food")
    citizen.get_by_role("button", name="Search").click()
    citizen.get_by_role("link", name="Apply", exact=True).first.click()
    citizen.wait_for_url(re.compile(r"/cases/mine/.+/edit"))
    assert citizen.input_value("#id_full_name") == "张三"
    assert citizen.input_value("#id_phone") == "13812345678"
    citizen.fill("#id_shop_name", "老王面馆")
    citizen.fill("#id_area", "12")
    citizen.select_option("#id_lease", str(world.lease_id))
    citizen.get_by_role("button", name="Submit application").click()
    citizen.wait_for_url(re.compile(r"/cases/mine/[0-9a-f-]+$"))
    reference = citizen.inner_text("#reference")
    assert reference.startswith(world.tenant.reference_prefix)

    # Staff claim the task, accept the case and ask for a correction of the area.
    staff = person(browser, live_server, world.caseworker.user.email, world.totp[world.caseworker.user.email])
    staff.goto(f"{base}/cases/work/")
    assert reference in staff.inner_text("main")
    staff.get_by_role("button", name="Claim").first.click()
    staff.wait_for_url(re.compile(r"/cases/work/[0-9a-f-]+$"))
    staff.select_option("#action", "accept")
    staff.get_by_role("button", name="Take the action").click()
    staff.wait_for_load_state()
    staff.select_option("#action", "request_correction")
    staff.fill("#reason", "The area does not match the lease.")
    staff.check("input[name=items][value=area]")
    staff.get_by_role("button", name="Take the action").click()
    staff.wait_for_load_state()
    assert "Awaiting correction" in staff.inner_text("#status")

    # The citizen amends only the area.
    citizen.reload()
    assert "The area does not match the lease." in citizen.inner_text("#correction")
    citizen.fill("#correction #id_area", "42")
    citizen.get_by_role("button", name="Send the correction").click()
    citizen.wait_for_load_state()
    assert "In progress" in citizen.inner_text("#status")

    # Staff approve.
    staff.reload()
    staff.select_option("#action", "approve")
    staff.fill("#reason", "All requirements met.")
    staff.get_by_role("button", name="Take the action").click()
    staff.wait_for_load_state()
    expect(staff.locator("#status")).to_contain_text("Approved")
    with tenant_context(world.tenant):  # on PostgreSQL, row-level security needs the tenant named
        assert Application.objects.get(reference=reference).status == "approved"

    # The citizen downloads the certificate; the public page verifies it.
    citizen.reload()
    with citizen.expect_download() as download:
        citizen.click("#download-certificate")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    verify_url = citizen.get_by_role("link", name="Verify").get_attribute("href")
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{live_server.url}{verify_url}")
    assert public.get_attribute("#verdict", "data-status") == "valid"

    # A supervisor revokes it; the public page then says revoked.
    supervisor = person(browser, live_server, world.supervisor.user.email, world.totp[world.supervisor.user.email])
    supervisor.goto(staff.url)
    supervisor.fill("#revoke-reason", "Obtained by deception")
    supervisor.get_by_role("button", name="Revoke").click()
    supervisor.wait_for_load_state()
    public.reload()
    assert public.get_attribute("#verdict", "data-status") == "revoked"
    assert "Obtained by deception" in public.inner_text("#verdict")


def test_a_citizen_fills_a_repeating_group_item_by_item(browser, live_server):
    from playwright.sync_api import expect

    from tests.cases.builders import TWO_FIELD_OWNERS

    world = make_world("groups", form_fields=TWO_FIELD_OWNERS)
    citizen = person(browser, live_server, world.citizen.user.email)
    citizen.goto(f"{live_server.url}/{world.tenant.slug}/cases/apply/{world.service.pk}")
    citizen.wait_for_url(re.compile(r"/cases/mine/.+/edit"))
    citizen.evaluate("window.notReloaded = true")  # the buttons below must work in place, not by posting
    items = citizen.locator("#field-owners .group-items > .group-item")
    add = citizen.locator("#field-owners [data-action=add-item]")
    expect(items).to_have_count(1)
    citizen.fill("#id_shop_name", "老王面馆")
    citizen.fill("#id_owners-0-holder", "王五")
    citizen.fill("#id_owners-0-share", "60")

    add.click()
    expect(items).to_have_count(2)
    expect(citizen.locator("#id_owners-1-holder")).to_be_focused()
    citizen.fill("#id_owners-1-holder", "李四")
    citizen.fill("#id_owners-1-share", "40")
    add.click()  # a third, up to the maximum of three, then taken out again
    expect(items).to_have_count(3)
    expect(add).to_be_disabled()
    citizen.fill("#id_owners-2-holder", "赵六")
    citizen.locator("#item-owners-2 [data-action=remove-item]").click()
    expect(items).to_have_count(2)
    expect(add).to_be_enabled()
    assert [t.strip() for t in items.locator(":scope > legend .item-number").all_inner_texts()] == ["1", "2"]
    expect(citizen.locator("#autosave")).to_contain_text("Draft saved")  # the removal was autosaved
    assert citizen.evaluate("window.notReloaded") is True

    citizen.get_by_role("button", name="Submit application").click()
    citizen.wait_for_url(re.compile(r"/cases/mine/[0-9a-f-]+$"))
    expect(citizen.locator("#answers-owners tbody tr")).to_have_count(2)
    expect(citizen.locator("#answers-owners")).to_contain_text("李四")
    with tenant_context(world.tenant):
        app = Application.objects.get(tenant=world.tenant)
    assert app.status == "submitted"
    assert app.form_data["owners"] == [{"holder": "王五", "share": 60}, {"holder": "李四", "share": 40}]


def test_fields_show_only_when_their_condition_holds(browser, live_server):
    from playwright.sync_api import expect

    from tests.cases.builders import BRANCH_FIELDS

    world = make_world("conditions", form_fields=BRANCH_FIELDS)
    citizen = person(browser, live_server, world.citizen.user.email)
    citizen.goto(f"{live_server.url}/{world.tenant.slug}/cases/apply/{world.service.pk}")
    citizen.wait_for_url(re.compile(r"/cases/mine/.+/edit"))
    address, permit = citizen.locator("#field-branch_address"), citizen.locator("#field-canteen_permit")
    expect(address).to_be_hidden()
    expect(permit).to_be_hidden()
    citizen.fill("#id_shop_name", "老王面馆")
    citizen.select_option("#id_has_branch", "yes")
    expect(address).to_be_visible()
    expect(citizen.locator("#field-branch_lease")).to_be_visible()
    citizen.fill("#id_branch_address", "西街 2 号")
    citizen.fill("#id_staff", "50")  # "in": [50, 100], compared as numbers
    expect(permit).to_be_visible()
    citizen.fill("#id_staff", "50.0")
    expect(permit).to_be_visible()
    citizen.fill("#id_staff", "51")
    expect(permit).to_be_hidden()

    # Inside a group, each item's field follows the same item's answer, added items included.
    citizen.fill("#id_partners-0-name", "王五")
    expect(citizen.locator("#field-partners-0-capital")).to_be_hidden()
    citizen.select_option("#id_partners-0-role", "investor")
    expect(citizen.locator("#field-partners-0-capital")).to_be_visible()
    citizen.fill("#id_partners-0-capital", "500")
    citizen.locator("#field-partners [data-action=add-item]").click()
    citizen.fill("#id_partners-1-name", "李四")
    expect(citizen.locator("#field-partners-1-capital")).to_be_hidden()
    citizen.select_option("#id_partners-1-role", "manager")
    expect(citizen.locator("#field-partners-1-capital")).to_be_hidden()

    citizen.select_option("#id_has_branch", "no")  # the address typed above is hidden again
    expect(address).to_be_hidden()
    citizen.get_by_role("button", name="Submit application").click()
    citizen.wait_for_url(re.compile(r"/cases/mine/[0-9a-f-]+$"))
    with tenant_context(world.tenant):
        app = Application.objects.get(tenant=world.tenant)
    assert app.status == "submitted"
    assert "branch_address" not in app.form_data  # hidden when submitted: not part of the application
    assert app.form_data["partners"] == [{"name": "王五", "role": "investor", "capital": 50000},
                                         {"name": "李四", "role": "manager"}]
