"""Catalogue pages through the Django test client: public browsing, the editors, the calendar."""

from __future__ import annotations

import json
from datetime import date

import pytest

from smartgov.accounts.models import Membership
from smartgov.catalogue import selectors
from smartgov.tenancy.context import tenant_context
from tests.builders import enable_totp, make_department, make_member, make_tenant

from .builders import FIELDS, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    tenant = make_tenant()
    return tenant, make_department(tenant, "market-regulation")


def sign_in(client, membership):
    enable_totp(membership.user)  # staff must have a second factor; signing in with it is not tested here
    client.force_login(membership.user)


def test_citizens_browse_search_and_read_a_service_without_signing_in(client, city):
    tenant, dept = city
    service = make_service(tenant, dept)
    make_service(tenant, dept, "food-licence", name_zh="食品经营许可证", name_en="Food business licence")
    make_service(tenant, dept, "hidden-draft", publish=False, name_zh="草稿", name_en="Draft")
    page = client.get(f"/{tenant.slug}/services/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<strong>营业执照</strong>" in text and "<strong>食品经营许可证</strong>" in text
    assert "<strong>草稿</strong>" not in text
    found = client.get(f"/{tenant.slug}/services/", {"q": "食品"}).content.decode()
    assert "<strong>食品经营许可证</strong>" in found and "<strong>营业执照</strong>" not in found
    detail = client.get(f"/{tenant.slug}/services/{service.pk}/").content.decode()
    assert "租赁合同" in detail and "<svg" in detail and 'data-state="review"' in detail
    assert "3" in detail  # the time limit in working days
    with tenant_context(tenant):
        draft = selectors.service_by_code(tenant, "hidden-draft")
    assert client.get(f"/{tenant.slug}/services/{draft.pk}/").status_code == 404


def test_administration_pages_need_the_permission(client, city):
    tenant, dept = city
    service = make_service(tenant, dept)
    assert client.get(f"/{tenant.slug}/services/manage/").status_code == 302  # sign in first
    sign_in(client, make_member(tenant, Membership.Kind.STAFF, roles=("caseworker",)))
    assert client.get(f"/{tenant.slug}/services/manage/").status_code == 403
    assert client.get(f"/{tenant.slug}/services/manage/{service.pk}/form/").status_code == 403


def test_the_administrator_creates_builds_and_publishes(client, city):
    tenant, _dept = city
    sign_in(client, make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",)))
    created = client.post(f"/{tenant.slug}/services/manage/", {
        "code": "residence-permit", "name_zh": "居住证", "name_en": "Residence permit",
        "department": "market-regulation", "delivery_mode": "one_visit", "fee_kind": "none",
        "time_limit_days": 15, "required_documents": "居住登记凭证 | Residence registration\n照片 | Photo | optional"})
    assert created.status_code == 302, created.content.decode()[:2000]
    with tenant_context(tenant):
        service = selectors.service_by_code(tenant, "residence-permit")
        assert service.required_documents[1] == {"name_zh": "照片", "name_en": "Photo", "optional": True}
    base = f"/{tenant.slug}/services/manage/{service.pk}"
    builder = client.get(f"{base}/form/")
    assert builder.status_code == 200 and b"builder.js" in builder.content
    bad = client.post(f"{base}/form/", {"fields_json": json.dumps([{"name": "x", "type": "rainbow", "label": {}}]),
                                        "sections_json": "[]"})
    assert bad.status_code == 422 and "fields[0].type" in bad.content.decode()
    good = client.post(f"{base}/form/", {"fields_json": json.dumps(FIELDS), "sections_json": "[]"})
    assert good.status_code == 302
    broken = client.post(f"{base}/workflow/", {"source": "states:\n  - {id: s, kind: start}\ntransitions: []"})
    assert broken.status_code == 422 and "workflow.states" in broken.content.decode()
    editor = client.get(f"{base}/workflow/").content.decode()
    assert "<svg" in editor and "submitted" in editor
    published = client.post(f"{base}/publish/")
    assert published.status_code == 302
    with tenant_context(tenant):
        service.refresh_from_db()
        assert service.status == "published" and selectors.current_version(tenant, service).time_limit_days == 15


def test_calendar_admin_sets_and_clears_a_day(client, city):
    tenant, _dept = city
    sign_in(client, make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",)))
    page = client.get(f"/{tenant.slug}/services/manage/calendar/?year=2026")
    assert page.status_code == 200 and "2026-02-14" in page.content.decode()
    url = f"/{tenant.slug}/services/manage/calendar/"
    client.post(url, {"date": "2026-07-01", "kind": "off", "note": "建市纪念日"})
    with tenant_context(tenant):
        assert not selectors.working_calendar(tenant).is_working_day(date(2026, 7, 1))
    client.post(f"/{tenant.slug}/services/manage/calendar/", {"date": "2026-07-01", "kind": "official"})
    with tenant_context(tenant):
        assert selectors.working_calendar(tenant).is_working_day(date(2026, 7, 1))


def test_pages_speak_chinese_and_english(client, city):
    tenant, dept = city
    make_service(tenant, dept)
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"/{tenant.slug}/services/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "网上办事" in chinese and "3 个工作日" in chinese and "全程网办" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(f"/{tenant.slug}/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Online services" in english and "3 working days" in english and "Business licence" in english


def test_fixed_fees_are_entered_in_yuan_and_stored_in_fen(client, city):
    tenant, _dept = city
    sign_in(client, make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",)))
    form = {"code": "licence-copy", "name_zh": "证照补办", "name_en": "Licence copy", "department": "market-regulation",
            "delivery_mode": "online", "fee_kind": "fixed", "time_limit_days": 1}
    refused = client.post(f"/{tenant.slug}/services/manage/", dict(form, fee_yuan="12.345"))
    assert refused.status_code == 422 and "12.50" in refused.content.decode()
    client.post(f"/{tenant.slug}/services/manage/", dict(form, fee_yuan="1,012.50"))
    with tenant_context(tenant):
        service = selectors.service_by_code(tenant, "licence-copy")
        assert selectors.draft_version(tenant, service).fee_fen == 101250
    listing = client.get(f"/{tenant.slug}/services/manage/").content.decode()
    assert "¥1,012.50" in listing


def test_the_administrator_sets_the_certificate_validity_and_citizens_read_it(client, city):
    tenant, dept = city
    service = make_service(tenant, dept)
    sign_in(client, make_member(tenant, Membership.Kind.ADMIN, roles=("tenant_admin",)))
    url = f"/{tenant.slug}/services/manage/{service.pk}/"
    page = client.get(url).content.decode()
    assert 'name="certificate_validity"' in page and 'value="5"' in page  # the five-year default, in years
    form = {"code": service.code, "name_zh": service.name_zh, "name_en": service.name_en,
            "department": "market-regulation", "delivery_mode": "online", "fee_kind": "none", "time_limit_days": 3}
    refused = client.post(url, dict(form, certificate_validity="", certificate_validity_unit="years"))
    assert refused.status_code == 422
    saved = client.post(url, dict(form, certificate_validity="18", certificate_validity_unit="months"))
    assert saved.status_code == 302
    with tenant_context(tenant):
        draft = selectors.draft_version(tenant, service)
        assert draft.certificate_validity_months == 18
        assert selectors.current_version(tenant, service).certificate_validity_months == 60  # published: untouched
    client.post(url, dict(form, certificate_validity="1", certificate_validity_unit="years"))
    with tenant_context(tenant):
        assert selectors.draft_version(tenant, service).certificate_validity_months == 12
    client.post(url, dict(form, certificate_validity_unit="none"))
    with tenant_context(tenant):
        assert selectors.draft_version(tenant, service).certificate_validity_months is None
    client.post(url, form)  # a client that says nothing about validity changes nothing
    with tenant_context(tenant):
        assert selectors.draft_version(tenant, service).certificate_validity_months is None
    client.cookies["django_language"] = "en"
    listing = client.get(url).content.decode()
    assert 'data-validity="none">No expiry<' in listing and 'data-validity="60">5 years<' in listing
    public = client.get(f"/{tenant.slug}/services/{service.pk}/").content.decode()
    assert '<dd id="certificate-validity">5 years</dd>' in public  # the published version's
    client.post(f"{url}publish/")
    public = client.get(f"/{tenant.slug}/services/{service.pk}/").content.decode()
    assert '<dd id="certificate-validity">No expiry</dd>' in public
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"/{tenant.slug}/services/{service.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<dd id="certificate-validity">长期有效</dd>' in chinese
