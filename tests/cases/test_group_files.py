"""File fields inside a repeating group's items (each shareholder's identity card): picked from the
wallet or uploaded on the page, attached for their place in the form (``owners[1].id_copy``) when
the application is submitted, kept in step when items are removed or corrected, and refused when
the document is not the applicant's."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smartgov.cases import services
from smartgov.cases.models import Application
from smartgov.documents.models import Document
from smartgov.kit.errors import NotFound
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_citizen
from tests.cases.builders import PDF, make_world, upload

pytestmark = pytest.mark.django_db

FIELDS = [
    {"name": "shop_name", "type": "text", "label": {"zh": "店名", "en": "Shop name"}, "required": True},
    {"name": "owners", "type": "group", "label": {"zh": "股东", "en": "Shareholders"}, "required": True,
     "fields": [
         {"name": "holder", "type": "text", "label": {"zh": "姓名", "en": "Name"}, "required": True},
         {"name": "id_copy", "type": "file", "label": {"zh": "身份证复印件", "en": "ID copy"}, "required": True},
     ]},
]


def draft_page(client):
    """A world, the citizen's draft of its service, and the draft's edit page (the citizen signed in)."""
    world = make_world(form_fields=FIELDS)
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
    client.force_login(world.citizen.user)
    return world, app, f"/{world.tenant.slug}/cases/mine/{app.pk}/edit"


def attached(world, app):
    with tenant_context(world.tenant):
        return sorted(Application.objects.get(pk=app.pk).attachments.values_list("requirement", "document_id"))


def two_owners(world):
    """An application whose two shareholders' ID copies are the wallet's lease and a new upload."""
    other = upload(world.tenant, world.citizen, "李四身份证")
    with tenant_context(world.tenant):
        app = services.apply(SYSTEM, world.tenant, world.citizen, world.service.pk, {
            "shop_name": "面馆",
            "owners": [{"holder": "王五", "id_copy": str(world.lease_id)}, {"holder": "李四", "id_copy": str(other)}],
        })
    return app, other


def test_each_items_file_is_attached_for_its_place():
    world = make_world(form_fields=FIELDS)
    app, other = two_owners(world)
    with tenant_context(world.tenant):
        # Filed with the application, like a top-level field's document.
        assert set(Document.objects.filter(pk__in=[world.lease_id, other]).values_list("status", flat=True)) == {
            "filed"}
    assert attached(world, app) == [("owners[0].id_copy", world.lease_id), ("owners[1].id_copy", other)]


def test_a_draft_attaches_as_submitted_not_as_once_saved():
    world = make_world(form_fields=FIELDS)
    second, third = upload(world.tenant, world.citizen, "二"), upload(world.tenant, world.citizen, "三")
    t = world.tenant
    with tenant_context(t):
        app = services.start(SYSTEM, t, world.citizen, world.service.pk)
        services.save_draft(SYSTEM, t, app, {"owners": [
            {"holder": "王五", "id_copy": str(world.lease_id)}, {"holder": "李四", "id_copy": str(second)}]})
        # The first item is removed before submitting: its document must not stay attached.
        app = services.submit(SYSTEM, t, app, {"shop_name": "面馆", "owners": [
            {"holder": "李四", "id_copy": str(second)}, {"holder": "赵六", "id_copy": str(third)}]})
    assert attached(world, app) == [("owners[0].id_copy", second), ("owners[1].id_copy", third)]


def test_a_corrected_group_is_attached_again():
    world = make_world(form_fields=FIELDS)
    new = upload(world.tenant, world.citizen, "新身份证")
    t = world.tenant
    with tenant_context(t):
        app = services.apply(SYSTEM, t, world.citizen, world.service.pk, {
            "shop_name": "面馆", "owners": [{"holder": "王五", "id_copy": str(world.lease_id)}]})
        services.act(SYSTEM, t, app, world.caseworker, "accept")
        services.act(SYSTEM, t, app, world.caseworker, "request_correction", reason="复印件不清", items=["owners"])
        services.amend(SYSTEM, t, app, {"owners": [{"holder": "王五", "id_copy": str(new)}]})
    assert attached(world, app) == [("owners[0].id_copy", new)]


def test_someone_elses_document_in_an_item_is_refused():
    world = make_world(form_fields=FIELDS)
    stranger = make_citizen(world.tenant)
    theirs = upload(world.tenant, stranger, "别人的")
    with tenant_context(world.tenant), pytest.raises(NotFound):
        services.apply(SYSTEM, world.tenant, world.citizen, world.service.pk, {
            "shop_name": "面馆", "owners": [{"holder": "王五", "id_copy": str(theirs)}]})
    with tenant_context(world.tenant):
        assert not Application.objects.filter(tenant=world.tenant, status="submitted").exists()


def test_a_file_uploaded_in_an_item_on_the_page_answers_that_item(client):
    world, app, url = draft_page(client)
    page = client.get(url).content.decode()
    assert 'name="upload_f_owners[0][id_copy]"' in page and 'name="upload_f_owners[__index__][id_copy]"' in page
    response = client.post(url, {
        "f_shop_name": "面馆", "f_owners__present": "1",
        "f_owners[0][holder]": "王五", "f_owners[0][id_copy]": str(world.lease_id),  # from the wallet
        "f_owners[4][holder]": "李四",  # a script's index: the upload answers this item
        "upload_f_owners[4][id_copy]": SimpleUploadedFile("li.pdf", PDF, "application/pdf"),
        "submit": "1",
    })
    assert response.status_code == 302
    with tenant_context(world.tenant):
        fresh = Document.objects.get(owner=world.citizen, file_name="li.pdf")
    assert attached(world, app) == sorted([("owners[0].id_copy", world.lease_id), ("owners[1].id_copy", fresh.pk)])


def test_a_file_chosen_in_an_item_removed_without_script_is_not_kept(client):
    world, app, url = draft_page(client)
    response = client.post(url, {
        "f_shop_name": "面馆", "f_owners__present": "1",
        "f_owners[0][holder]": "王五",
        "f_owners[1][holder]": "李四",
        "upload_f_owners[1][id_copy]": SimpleUploadedFile("li.pdf", PDF, "application/pdf"),
        "remove_item": "owners:1",
    })
    assert response.status_code == 200
    with tenant_context(world.tenant):
        assert not Document.objects.filter(owner=world.citizen, file_name="li.pdf").exists()
        app.refresh_from_db()
        assert services.unseal_for_applicant(world.tenant, app)["owners"] == [{"holder": "王五"}]


def test_attachments_are_named_as_the_form_names_them(client):
    world = make_world(form_fields=FIELDS)
    app, _other = two_owners(world)
    client.force_login(world.supervisor.user)
    page = client.get(f"/{world.tenant.slug}/cases/work/{app.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "股东 1 · 身份证复印件: " in page and "股东 2 · 身份证复印件: 李四身份证" in page
    assert "owners[1].id_copy" not in page
    client.force_login(world.citizen.user)
    mine = client.get(f"/{world.tenant.slug}/cases/mine/{app.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Shareholders 2 · ID copy: 李四身份证" in mine


def test_the_api_sends_an_items_file_in_the_same_request(client):
    from tests.cases.test_api import as_user, pdf, with_files

    world = make_world(form_fields=FIELDS)
    as_user(client, world.citizen)
    application = {"service_id": str(world.service.pk), "data": {
        "shop_name": "面馆", "owners": [{"holder": "王五", "id_copy": str(world.lease_id)}, {"holder": "李四"}]}}
    done = with_files(client, world, application, {"owners[1].id_copy": pdf("li.pdf")}, "gf-1")
    assert done.status_code == 201, done.content
    with tenant_context(world.tenant):
        fresh = Document.objects.get(owner=world.citizen, file_name="li.pdf")
        app = Application.objects.get(pk=done.json()["id"])
        assert services.unseal_for_applicant(world.tenant, app)["owners"][1] == {"holder": "李四",
                                                                                  "id_copy": str(fresh.pk)}
    assert attached(world, app) == sorted([("owners[0].id_copy", world.lease_id), ("owners[1].id_copy", fresh.pk)])

    no_item = with_files(client, world, application, {"owners[5].id_copy": pdf("x.pdf")}, "gf-2")
    assert no_item.status_code == 422 and no_item.json()["details"][0]["field"] == "owners[5].id_copy"
