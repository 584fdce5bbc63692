"""The form builder in a real headless Chromium: fields added on the page appear in the live
preview, a "show only if" condition hides and shows its field as the preview is filled in, and
saving stores the field list the server turns into JSON Schema."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from smartgov.accounts.models import Membership
from smartgov.catalogue import selectors, services
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, enable_totp, make_department, make_member, make_tenant
from tests.conftest import CHROMIUM

SHOTS = os.environ.get("SMARTGOV_SCREENSHOT_DIR", "")  # set it to keep screenshots of the builder
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls around it are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(10_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()


def open_builder(page, live_server, code):
    """A new draft service and its form builder, open in English for a signed-in administrator."""
    tenant = make_tenant()
    department = make_department(tenant, "market-regulation")
    with tenant_context(tenant):
        service = services.create_service(SYSTEM, tenant, code=code, name_zh="犬只登记",
                                          name_en="Dog registration", department=department)
    admin = make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",))
    enable_totp(admin.user)  # staff must have a second factor; signing in with it is not tested here
    client = Client()
    client.force_login(admin.user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"},
                      {"name": "django_language", "value": "en", "domain": host, "path": "/"}])
    tab = page.new_page()
    tab.goto(f"{live_server.url}/{tenant.slug}/services/manage/{service.pk}/form/")
    return tab, tenant, service


def test_fields_conditions_and_preview(page, live_server):
    tab, tenant, service = open_builder(page, live_server, "pet-licence")
    preview = tab.locator("#preview")
    assert "Add a field" in preview.inner_text()

    tab.select_option("#new-type", "choice")
    tab.click("#add-field")
    tab.fill('[data-field="choice_1"] [data-key="label_en"]', "Vaccinated?")
    assert preview.get_by_label("Vaccinated?").count() == 1  # the preview follows every keystroke

    tab.select_option("#new-type", "date")
    tab.click("#add-field")
    tab.fill('[data-field="date_1"] [data-key="label_en"]', "Vaccination date")
    tab.check('[data-field="date_1"] [data-key="required"]')
    tab.select_option('[data-field="date_1"] [data-key="show_if.field"]', "choice_1")
    # the condition on a choice offers that field's choices
    tab.select_option('[data-field="date_1"] [data-key="show_if.equals"]', "yes")
    assert preview.locator('[data-preview="date_1"]').count() == 0  # hidden until the answer is yes
    preview.get_by_label("Vaccinated?").select_option("yes")
    assert preview.locator('[data-preview="date_1"]').count() == 1
    assert "Vaccination date *" in preview.inner_text()
    if SHOTS:
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.locator(".builder").screenshot(path=os.path.join(SHOTS, "form-builder.png"))
    preview.get_by_label("Vaccinated?").select_option("no")
    assert preview.locator('[data-preview="date_1"]').count() == 0

    tab.click("text=Validate and save")
    tab.wait_for_url(f"**/services/manage/{service.pk}/form/")
    assert "The form is saved" in tab.content()
    with tenant_context(tenant):
        draft = selectors.draft_version(tenant, service)
        assert [f["name"] for f in draft.form_fields] == ["choice_1", "date_1"]
        assert draft.form_fields[1]["show_if"] == {"field": "choice_1", "equals": "yes"}
        rule = draft.form_schema["allOf"][0]
        assert rule["then"] == {"required": ["date_1"]} and rule["x-shows"] == "date_1"
    # The saved form comes back into the builder.
    tab.reload()
    assert tab.locator('[data-field="date_1"] [data-key="label_en"]').input_value() == "Vaccination date"


def test_a_repeating_groups_fields_are_built_with_the_field_editor(page, live_server):
    tab, tenant, service = open_builder(page, live_server, "company-registration")
    preview = tab.locator("#preview")
    tab.select_option("#new-type", "group")
    tab.click("#add-field")
    group = '[data-field="group_1"]'
    own = f"{group} > .field"  # the group's own settings, not those of the fields inside it
    tab.fill(f'{own} [data-key="name"]', "shareholders")
    group = '[data-field="shareholders"]'
    own = f"{group} > .field"
    tab.fill(f'{own} [data-key="label_en"]', "Shareholders")
    tab.fill(f'{own} [data-key="max_items"]', "3")
    assert tab.locator('[data-key="fields"]').count() == 0  # no raw JSON to type any more
    # The group starts with one field of its own ("name"); give it labels through the same editor.
    first = f'{group} [data-field="name"]'
    tab.fill(f'{first} [data-key="label_zh"]', "股东名称")
    tab.fill(f'{first} [data-key="label_en"]', "Shareholder name")
    tab.fill(f'{first} [data-key="max_length"]', "60")
    # A second field inside the group: money, required, at least 100 fen.
    tab.select_option(f'{group} [data-key="new_subfield_type"]', "money")
    tab.click(f'{group} [data-action="add-subfield"]')
    second = f'{group} [data-field="money_1"]'
    tab.fill(f'{second} [data-key="name"]', "contribution")
    second = f'{group} [data-field="contribution"]'
    tab.fill(f'{second} [data-key="label_en"]', "Contribution")
    tab.fill(f'{second} [data-key="label_zh"]', "认缴出资额")
    tab.check(f'{second} [data-key="required"]')
    tab.fill(f'{second} [data-key="minimum"]', "100")

    # The live preview draws the group as the applicant will fill it in: items with both fields.
    drawn = preview.locator('[data-preview="shareholders"]')
    assert drawn.locator(".group-item").count() == 1
    assert drawn.get_by_label("Shareholder name").count() == 1 and drawn.get_by_label("Contribution *").count() == 1
    drawn.get_by_label("Shareholder name").fill("山海投资有限公司")
    drawn.locator('[data-action="add-item"]').click()
    assert drawn.locator(".group-item").count() == 2
    assert tab.locator("#p-shareholders-0-name").input_value() == "山海投资有限公司"  # kept across redraws
    drawn.locator('[data-action="add-item"]').click()
    assert drawn.locator(".group-item").count() == 3 and drawn.locator('[data-action="add-item"]').is_disabled()
    if SHOTS:
        tab.set_viewport_size({"width": 1280, "height": 1100})
        tab.locator(".builder").screenshot(path=os.path.join(SHOTS, "form-builder-group.png"))

    with tab.expect_navigation():  # the page posts and comes back to the same address
        tab.click("text=Validate and save")
    assert "The form is saved" in tab.content()
    with tenant_context(tenant):
        draft = selectors.draft_version(tenant, service)
    (stored,) = draft.form_fields
    assert stored["name"] == "shareholders" and [f["name"] for f in stored["fields"]] == ["name", "contribution"]
    assert all("__id" not in f for f in [stored, *stored["fields"]])  # the editor's bookkeeping stays in the page
    schema = draft.form_schema["properties"]["shareholders"]
    assert schema["type"] == "array" and schema["maxItems"] == 3
    items = schema["items"]
    assert list(items["properties"]) == ["name", "contribution"] and items["required"] == ["name", "contribution"]
    assert items["properties"]["name"] == {"type": "string", "maxLength": 60, "minLength": 1,
                                           "title": "Shareholder name"}
    assert items["properties"]["contribution"] == {"type": "integer", "minimum": 100, "x-unit": "fen",
                                                   "title": "Contribution"}
    assert draft.form_ui["fields"]["shareholders"]["order"] == ["name", "contribution"]
    # Back in the builder, the group's fields come back into their editors and the preview.
    tab.reload()
    assert tab.locator(f'{group} [data-field="contribution"] [data-key="label_zh"]').input_value() == "认缴出资额"
    assert tab.locator(f'{group} [data-field="contribution"] [data-key="required"]').is_checked()
    assert preview.locator('[data-preview="shareholders"] .group-item').count() == 1
    assert preview.get_by_label("Contribution *").count() == 1
