"""A repeating group on the application pages: one fieldset per item with the same widgets as the
form's own fields, items posted as ``f_group[i][sub]`` and stored as a list of objects, each error
next to the sub-field it concerns, "add another" and "remove" without script, the draft keeping the
items, and the read-only pages showing them as a table."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from smartgov.cases import services
from smartgov.cases.models import Application
from smartgov.kit import identity
from smartgov.kit.errors import NotFound
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import OWNERS_FIELDS, make_world

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # a valid GB 11643 number (the standard's own example)


class _Element(HTMLParser):
    """The text and the input values inside the element with one id."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and attrs.get("id") == self.element_id:
            self.depth = 1
        elif self.depth and tag not in ("input", "br", "img", "meta", "link"):
            self.depth += 1
        chosen = tag != "option" or "selected" in attrs
        ticked = tag != "input" or attrs.get("type") not in ("checkbox", "hidden") or "checked" in attrs
        if self.depth and attrs.get("value") is not None and chosen and ticked:
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def within(html: str, element_id: str) -> str:
    parser = _Element(element_id)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def draft(world):
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
    return app, f"/{world.tenant.slug}/cases/mine/{app.pk}/edit"


def stored(world, app):
    with tenant_context(world.tenant):
        return services.unseal_for_applicant(world.tenant, Application.objects.get(pk=app.pk))


def test_a_group_is_drawn_as_items_with_the_form_widgets(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    _app, url = draft(world)
    client.force_login(world.citizen.user)
    html = client.get(url).content.decode()
    # One item to fill in, each sub-field with its own widget and a name carrying the item's index.
    assert 'name="f_owners[0][holder]"' in html and 'id="id_owners-0-holder"' in html
    assert '<input id="id_owners-0-share" name="f_owners[0][share]" value="" inputmode="decimal">' in html
    assert 'type="date" name="f_owners[0][since]"' in html
    assert '<select id="id_owners-0-role" name="f_owners[0][role]">' in html and ">Chair<" not in html  # zh page
    assert html.count('type="checkbox"') == 4  # two duties in the item and two in the blank item
    assert 'name="f_owners[0][duties]" value="finance"' in html
    assert 'name="f_owners[0][mobile]" value="" type="tel"' in html
    assert 'name="f_owners[0][id_number]"' in html
    assert "<textarea" not in html  # no more JSON to type
    # The blank item scripts copy, and the buttons that work without them.
    assert 'name="f_owners[__index__][holder]"' in html.split('<template class="group-blank">')[1]
    assert 'name="add_item" value="owners"' in html and 'name="remove_item" value="owners:0"' in html
    assert 'data-max-items="3"' in html and "cases/apply.js" in html
    assert "再添加一项" in html and "删除" in html  # the new buttons speak Chinese


def test_posted_items_are_stored_as_a_list_of_objects(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    app, url = draft(world)
    client.force_login(world.citizen.user)
    posted = {
        "f_shop_name": "老王面馆",
        "f_owners__present": "1",
        # Items keep their order, whatever indexes a script gave them; a blank item is no answer.
        "f_owners[3][holder]": "李四",
        "f_owners[3][share]": "40",
        "f_owners[3][duties]__present": "1",
        "f_owners[0][holder]": "王五",
        "f_owners[0][share]": "60.5",
        "f_owners[0][paid_in]": "1,000.50",
        "f_owners[0][since]": "2024-05-01",
        "f_owners[0][role]": "chair",
        "f_owners[0][duties]": ["finance", "legal"],
        "f_owners[0][mobile]": "13900001111",
        "f_owners[0][id_number]": ID_NUMBER,
        "f_owners[7][holder]": "  ",
        "f_owners[7][share]": "",
        "submit": "1",
    }
    response = client.post(url, posted)
    assert response.status_code == 302, within(response.content.decode(), "main")
    with tenant_context(world.tenant):
        app = Application.objects.get(pk=app.pk)
    assert app.status == "submitted"
    assert app.form_data["owners"][0]["mobile"] == "139****1111"  # personal cells are masked in the clear copy
    assert ID_NUMBER not in str(app.form_data)
    assert stored(world, app)["owners"] == [
        {
            "holder": "王五",
            "share": 60.5,
            "paid_in": 100050,
            "since": "2024-05-01",
            "role": "chair",
            "duties": ["finance", "legal"],
            "mobile": "13900001111",
            "id_number": ID_NUMBER,
        },
        {"holder": "李四", "share": 40},
    ]


def test_a_sub_field_error_is_shown_next_to_it_and_the_answers_stay(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    app, url = draft(world)
    client.force_login(world.citizen.user)
    posted = {
        "f_shop_name": "老王面馆",
        "f_owners[0][holder]": "王五",
        "f_owners[0][share]": "60",
        "f_owners[1][share]": "0",
        "f_owners[1][mobile]": "12345",
        "submit": "1",
    }
    response = client.post(url, posted)
    html = response.content.decode()
    assert response.status_code == 422
    assert within(html, "field-owners-1-share") == "持股比例 * 0 must be at least 1"
    assert within(html, "field-owners-1-holder") == "姓名 * is required"
    assert "is not a valid phone number" in within(html, "field-owners-1-mobile")
    assert "errorlist" not in html.split('id="item-owners-0"')[1].split('id="item-owners-1"')[0]  # item 1 is fine
    assert within(html, "id_owners-0-holder") == "王五"  # nothing typed is lost
    with tenant_context(world.tenant):
        assert Application.objects.get(pk=app.pk).status == "draft"


def test_a_sub_field_that_cannot_be_read_is_named_at_its_item(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    app, url = draft(world)
    client.force_login(world.citizen.user)
    response = client.post(
        url, {"f_owners[0][holder]": "王五", "f_owners[0][share]": "六十", "f_owners[0][paid_in]": "1.2.3"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "无法读取该值" in within(html, "field-owners-0-share")
    assert "无法读取该值" in within(html, "field-owners-0-paid_in")
    assert "无法读取" not in within(html, "field-owners-0-holder")
    assert stored(world, app)["owners"] == [{"holder": "王五"}]  # what could be read is kept


def test_add_another_and_remove_work_without_script(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    app, url = draft(world)
    client.force_login(world.citizen.user)
    added = client.post(url, {"f_owners[0][holder]": "王五", "f_owners[0][share]": "60", "add_item": "owners"})
    html = added.content.decode()
    assert added.status_code == 200 and 'name="f_owners[1][holder]"' in html and 'name="f_owners[2][' not in html
    assert stored(world, app)["owners"] == [{"holder": "王五", "share": 60}]  # the draft kept the answers

    full = {f"f_owners[{i}][holder]": name for i, name in enumerate(["甲", "乙", "丙"])}
    html = client.post(url, {**full, "add_item": "owners"}).content.decode()
    assert 'name="f_owners[3][' not in html  # at most three
    assert 'data-action="add-item"\n          formnovalidate disabled' in html

    removed = client.post(url, {**full, "remove_item": "owners:1"})
    html = removed.content.decode()
    assert removed.status_code == 200 and ">乙<" not in html and 'value="乙"' not in html
    assert [item["holder"] for item in stored(world, app)["owners"]] == ["甲", "丙"]


def test_the_autosave_keeps_the_items_and_an_emptied_group(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    app, url = draft(world)
    client.force_login(world.citizen.user)
    saved = client.post(
        url,
        {"f_owners__present": "1", "f_owners[0][holder]": "王五", "f_owners[5][holder]": "李四", "autosave": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "role=\"status\"" in saved.content.decode()
    assert stored(world, app)["owners"] == [{"holder": "王五"}, {"holder": "李四"}]
    page = client.get(url).content.decode()
    assert within(page, "id_owners-1-holder") == "李四"  # the draft comes back item by item
    # A post without the group leaves it alone; one with the group and no item empties it.
    client.post(url, {"f_shop_name": "面馆", "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert len(stored(world, app)["owners"]) == 2
    client.post(url, {"f_owners__present": "1", "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert stored(world, app)["owners"] == []


def test_the_read_only_pages_show_the_items_as_a_table(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    owners = [
        {"holder": "王五", "share": 60, "role": "chair", "duties": ["finance", "legal"], "paid_in": 100050},
        {"holder": "李四", "share": 40},
    ]
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, world.tenant, app, {"shop_name": "老王面馆", "owners": owners})
    client.force_login(world.citizen.user)
    client.cookies["django_language"] = "en"
    html = client.get(f"/{world.tenant.slug}/cases/mine/{app.pk}").content.decode()
    table = within(html, "answers-owners")
    assert table.startswith("# Name Share Paid in Since Role Duties Mobile ID number")
    assert "1 王五 60 1000.50 — Chair Finance, Legal — —" in table and "2 李四 40 — — — — — —" in table
    assert "[{" not in html and "&quot;holder&quot;" not in html
    client.force_login(world.caseworker.user)
    staff = client.get(f"/{world.tenant.slug}/cases/work/{app.pk}").content.decode()
    assert "1 王五 60 1000.50 — Chair Finance, Legal — —" in within(staff, "answers-owners")


def test_a_correction_of_a_group_is_answered_item_by_item(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    t = world.tenant
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, t, app, {"shop_name": "面馆", "owners": [{"holder": "王五", "share": 100}]})
        services.act(SYSTEM, t, app, world.caseworker, "accept")
        services.act(SYSTEM, t, app, world.caseworker, "request_correction", reason="股东不全", items=["owners"])
    client.force_login(world.citizen.user)
    page = client.get(f"/{t.slug}/cases/mine/{app.pk}").content.decode()
    assert within(page, "id_owners-0-holder") == "王五" and 'name="f_owners[0][share]"' in page
    amend = f"/{t.slug}/cases/mine/{app.pk}/amend"
    two = {"f_owners[0][holder]": "王五", "f_owners[0][share]": "60", "f_owners[1][holder]": "李四"}
    refused = client.post(amend, {**two, "f_owners[1][share]": "200"})
    assert refused.status_code == 422
    assert "must be at most 100" in within(refused.content.decode(), "field-owners-1-share")
    assert client.post(amend, {**two, "f_owners[1][share]": "40"}).status_code == 302
    assert stored(world, app)["owners"] == [{"holder": "王五", "share": 60}, {"holder": "李四", "share": 40}]


def test_the_standard_example_id_number_is_valid():
    assert identity.resident_id_problem(ID_NUMBER) is None


def test_personal_cells_of_a_group_are_sealed_masked_and_revealed_one_by_one():
    from smartgov.cases.services import _common

    world = make_world(form_fields=OWNERS_FIELDS)
    owners = [{"holder": "张三", "share": 60, "mobile": "13812345678", "id_number": "11010519491231002X"},
              {"holder": "李四", "share": 40}]
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        app = services.save_draft(SYSTEM, world.tenant, app, {"shop_name": "老王面馆", "owners": owners})
        assert app.form_data["owners"][0]["mobile"] == "138****5678"
        assert app.form_data["owners"][0]["id_number"] == "1101**********002X"
        assert "13812345678" not in str(app.form_data) and "11010519491231002X" not in str(app.form_data)
        assert _common.unseal(world.tenant, app)["owners"] == owners
        assert services.reveal(SYSTEM, world.tenant, app, "owners[0].id_number") == "11010519491231002X"
        for not_personal in ("owners[0].holder", "owners[5].id_number", "owners.id_number"):
            with pytest.raises(NotFound):
                services.reveal(SYSTEM, world.tenant, app, not_personal)


def test_the_workbench_offers_a_reveal_on_each_masked_cell(client):
    world = make_world(form_fields=OWNERS_FIELDS)
    owners = [{"holder": "张三", "share": 60, "mobile": "13812345678", "id_number": ID_NUMBER},
              {"holder": "李四", "share": 40}]
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        app = services.submit(SYSTEM, world.tenant, app, {"shop_name": "老王面馆", "owners": owners})
    slug = world.tenant.slug
    client.force_login(world.supervisor.user)  # holds personal_data.reveal
    page = client.get(f"/{slug}/cases/work/{app.pk}").content.decode()
    cell = within(page, "value-owners-0-id_number")
    assert ID_NUMBER not in page and "1101**********002X" in cell
    assert '"field": "owners[0].id_number"' in page and 'hx-target="#value-owners-0-id_number"' in page
    assert '"field": "owners[0].mobile"' in page
    # Only the masked cells: a name, or an item that left the cell empty, gets no button.
    assert '"field": "owners[0].holder"' not in page and '"field": "owners[1].mobile"' not in page
    revealed = client.post(f"/{slug}/cases/work/{app.pk}/reveal", {"field": "owners[0].id_number"})
    assert ID_NUMBER in revealed.content.decode()

    client.force_login(world.citizen.user)  # the applicant's own page shows their answers, no buttons
    mine = client.get(f"/{slug}/cases/mine/{app.pk}").content.decode()
    assert "/reveal" not in mine and "Reveal (audited)" not in mine
