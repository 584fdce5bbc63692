"""Fields shown only if another answer says so ("show_if"): asked and required only when shown,
their answers neither stored nor attached when hidden, and the page telling cases/apply.js which
input each condition tests (the browser test in test_browser.py watches the script act on it)."""

from __future__ import annotations

import json
import re

import pytest

from smartgov.cases import services
from smartgov.cases.services._common import unseal
from smartgov.kit.errors import InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import BRANCH_FIELDS, make_world

pytestmark = pytest.mark.django_db


def apply(world, data):
    with tenant_context(world.tenant):
        app = services.apply(SYSTEM, world.tenant, world.citizen, world.service.pk, data)
        return app, unseal(world.tenant, app), list(app.attachments.values_list("requirement", flat=True))


def test_a_hidden_field_is_neither_required_stored_nor_attached():
    world = make_world(form_fields=BRANCH_FIELDS)
    app, stored, attached = apply(world, {
        "shop_name": "老王面馆", "has_branch": "no", "branch_address": "西街 2 号",
        "branch_lease": str(world.lease_id), "staff": 12, "canteen_permit": "CP-1",
        "partners": [{"name": "王五", "role": "manager", "capital": 100000}, {"name": "李四", "role": "investor",
                                                                             "capital": 50000}],
    })
    assert app.status == "submitted"
    assert stored == {"shop_name": "老王面馆", "has_branch": "no", "staff": 12,
                      "partners": [{"name": "王五", "role": "manager"},
                                   {"name": "李四", "role": "investor", "capital": 50000}]}
    assert attached == []


def test_a_shown_field_is_required_and_kept():
    world = make_world(form_fields=BRANCH_FIELDS)
    with pytest.raises(InvalidInput) as refused:
        apply(world, {"shop_name": "老王面馆", "has_branch": "yes"})
    assert [d["field"] for d in refused.value.details] == ["data.branch_address"]
    _app, stored, attached = apply(world, {
        "shop_name": "老王面馆", "has_branch": "yes", "branch_address": "西街 2 号",
        "branch_lease": str(world.lease_id), "staff": 50, "canteen_permit": "CP-1",
    })
    assert stored["branch_address"] == "西街 2 号" and stored["canteen_permit"] == "CP-1"
    assert attached == ["branch_lease"]


def test_the_page_names_the_input_each_condition_tests(client):
    world = make_world(form_fields=BRANCH_FIELDS)
    client.force_login(world.citizen.user)
    page = client.get(f"/{world.tenant.slug}/cases/apply/{world.service.pk}", follow=True).content.decode()
    conditions = {
        element: json.loads(attr.replace("&quot;", '"'))
        for element, attr in re.findall(r'id="field-([\w-]+)"[^>]*data-show-if="([^"]*)"', page)
    }
    assert conditions["branch_address"] == {"field": "has_branch", "equals": "yes", "input": "f_has_branch",
                                            "kind": "choice"}
    assert conditions["canteen_permit"]["input"] == "f_staff" and conditions["canteen_permit"]["kind"] == "number"
    # Inside a group, the condition tests the same item's field (the blank item's too, for scripts).
    assert conditions["partners-0-capital"] == {"field": "role", "equals": "investor",
                                                "input": "f_partners[0][role]", "kind": "choice"}
    assert 'data-show-if="{&quot;field&quot;: &quot;role&quot;, &quot;equals&quot;: &quot;investor&quot;, ' \
           '&quot;input&quot;: &quot;f_partners[__index__][role]&quot;' in page


def test_a_file_the_draft_attached_is_detached_when_its_field_is_hidden_at_submission():
    world = make_world(form_fields=BRANCH_FIELDS)
    t = world.tenant
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        services.save_draft(SYSTEM, t, app, {"has_branch": "yes", "branch_lease": str(world.lease_id)})
        assert list(app.attachments.values_list("requirement", flat=True)) == ["branch_lease"]
        app = services.submit(SYSTEM, t, app, {"shop_name": "老王面馆", "has_branch": "no"})
        assert "branch_lease" not in unseal(t, app)
        assert list(app.attachments.values_list("requirement", flat=True)) == []


def test_a_correction_asks_again_for_the_fields_that_depend_on_it():
    world = make_world(form_fields=BRANCH_FIELDS)
    t = world.tenant
    with tenant_context(t):
        app, _stored, _attached = apply(world, {
            "shop_name": "老王面馆", "has_branch": "yes", "branch_address": "西街 2 号",
            "branch_lease": str(world.lease_id)})
        services.act(SYSTEM, t, app, world.caseworker, "accept")
        services.act(SYSTEM, t, app, world.caseworker, "request_correction", reason="没有分店？", items=["has_branch"])
        app.refresh_from_db()
        assert app.correction_items == ["has_branch", "branch_address", "branch_lease"]
        app = services.amend(SYSTEM, t, app, {"has_branch": "no"})
        assert unseal(t, app) == {"shop_name": "老王面馆", "has_branch": "no"}
        assert list(app.attachments.values_list("requirement", flat=True)) == []

        # And the other way: saying yes asks the address, which the correction may now give.
        services.act(SYSTEM, t, app, world.caseworker, "request_correction", reason="有分店", items=["has_branch"])
        app.refresh_from_db()
        with pytest.raises(InvalidInput) as refused:
            services.amend(SYSTEM, t, app, {"has_branch": "yes"})
        assert [d["field"] for d in refused.value.details] == ["data.branch_address"]
        app.refresh_from_db()
        app = services.amend(SYSTEM, t, app, {"has_branch": "yes", "branch_address": "东街 9 号"})
        assert unseal(t, app)["branch_address"] == "东街 9 号"
