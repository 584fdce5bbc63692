"""Services, versions and the calendar in the database: writes audited, published versions frozen."""

from __future__ import annotations

from datetime import date

import pytest

from smartgov.audit.models import AuditEvent
from smartgov.catalogue import selectors, services
from smartgov.catalogue.models import Service, ServiceVersion, VersionImmutable
from smartgov.kit.errors import Conflict, InvalidInput, NotFound
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM, make_department, make_tenant

from .builders import FIELDS, make_service

pytestmark = pytest.mark.django_db
GOOD = {"company": "示例有限公司", "legal_rep_id": "11010519491231002X", "has_branch": "no"}


@pytest.fixture
def city():
    tenant = make_tenant()
    return tenant, make_department(tenant, "market-regulation")


def test_a_new_service_is_a_draft_with_a_sound_default_workflow(city):
    tenant, dept = city
    service = make_service(tenant, dept, publish=False)
    with tenant_context(tenant):
        assert service.status == Service.Status.DRAFT
        draft = selectors.draft_version(tenant, service)
        assert draft.number == 1 and draft.workflow["states"][1]["department"] == "market-regulation"
        with pytest.raises(NotFound):
            selectors.current_version(tenant, service)
        assert list(selectors.published_services(tenant)) == []
        actions = list(AuditEvent.objects.filter(tenant=tenant, action__startswith="catalogue.")
                       .values_list("action", flat=True))
        assert actions == ["catalogue.service_created", "catalogue.draft_saved"]


def test_publishing_freezes_the_version_and_a_new_one_leaves_old_applications_alone(city):
    tenant, dept = city
    service = make_service(tenant, dept)
    with tenant_context(tenant):
        v1 = selectors.current_version(tenant, service)
        assert v1.number == 1 and v1.is_published
        v1.time_limit_days = 99
        with pytest.raises(VersionImmutable):
            v1.save()
        v1 = selectors.service_version(tenant, v1.pk)
        # Editing again makes a draft v2 from v1; v1 stays what an in-flight application saw.
        services.save_draft(SYSTEM, tenant, service, form_fields=[*FIELDS[:2]], time_limit_days=5)
        assert selectors.current_version(tenant, service).pk == v1.pk
        v2 = services.publish_service(SYSTEM, tenant, service)
        assert v2.number == 2
        service.refresh_from_db()
        assert selectors.current_version(tenant, service).pk == v2.pk
        old = selectors.service_version(tenant, v1.pk)
        assert old.time_limit_days == 3 and len(old.form_fields) == 4
        assert [v.number for v in selectors.versions(tenant, service)] == [2, 1]


def test_submissions_are_checked_against_the_versions_form(city):
    tenant, dept = city
    service = make_service(tenant, dept)
    with tenant_context(tenant):
        version = selectors.current_version(tenant, service)
        assert services.validate_submission(version, GOOD) == []
        errors = services.validate_submission(version, dict(GOOD, has_branch="yes", legal_rep_id="1"))
        assert [(e.path, e.code) for e in errors] == [("branch_address", "required"), ("legal_rep_id", "format")]


def test_bad_drafts_are_refused_with_paths(city):
    tenant, dept = city
    service = make_service(tenant, dept, publish=False)
    with tenant_context(tenant):
        with pytest.raises(InvalidInput) as exc:
            services.save_draft(SYSTEM, tenant, service, form_fields=[{"name": "x", "type": "text"}])
        assert exc.value.details == [{"field": "fields[0].label", "message": "needs a label (zh and/or en)"}]
        with pytest.raises(InvalidInput) as exc:
            services.save_draft(SYSTEM, tenant, service, workflow="states: []\ntransitions: []")
        assert exc.value.details[0]["field"] == "workflow.states"
        with pytest.raises(InvalidInput) as exc:
            services.save_draft(SYSTEM, tenant, service, fee_kind="fixed")
        assert exc.value.details[0]["field"] == "fee_fen"


def test_life_cycle_rules(city):
    tenant, dept = city
    with tenant_context(tenant):
        with pytest.raises(InvalidInput) as exc:
            services.create_service(SYSTEM, tenant, code="Bad Code", name_zh="x", name_en="x", department=dept)
        assert exc.value.details[0]["field"] == "code"
    service = make_service(tenant, dept)
    with tenant_context(tenant):
        with pytest.raises(Conflict):
            services.create_service(SYSTEM, tenant, code=service.code, name_zh="x", name_en="x", department=dept)
        with pytest.raises(Conflict):
            services.delete_service(SYSTEM, tenant, service)
        services.retire_service(SYSTEM, tenant, service, "merged into one-stop service")
        with pytest.raises(NotFound):
            selectors.current_version(tenant, service)
        with pytest.raises(Conflict):
            services.save_draft(SYSTEM, tenant, service, time_limit_days=4)
    draft = make_service(tenant, dept, "draft-only", publish=False)
    with tenant_context(tenant):
        services.delete_service(SYSTEM, tenant, draft)
        assert not ServiceVersion.objects.filter(service_id=draft.pk).exists()


def test_search_and_isolation(city):
    tenant, dept = city
    make_service(tenant, dept)
    make_service(tenant, dept, "food-licence", name_zh="食品经营许可证", name_en="Food business licence")
    other = make_tenant()
    other_service = make_service(other, make_department(other, "market-regulation"))
    with tenant_context(tenant):
        assert [s.code for s in selectors.published_services(tenant, query="食品")] == ["food-licence"]
        assert [s.code for s in selectors.published_services(tenant, query="licence")] == [
            "business-licence", "food-licence"]
        assert [s.code for s in selectors.published_services(tenant, query="food LICENCE")] == ["food-licence"]
        with pytest.raises(NotFound):
            selectors.service(tenant, other_service.pk)
        with pytest.raises(NotFound):
            selectors.service_version(tenant, other_service.current_version_id)


def test_tenant_calendar_days_move_deadlines(city):
    tenant, _dept = city
    with tenant_context(tenant):
        assert selectors.add_working_days(tenant, date(2026, 9, 30), 1) == date(2026, 10, 8)
        services.set_calendar_day(SYSTEM, tenant, date(2026, 10, 8), False, "台风停工")
        assert selectors.add_working_days(tenant, date(2026, 9, 30), 1) == date(2026, 10, 9)
        assert selectors.working_calendar(tenant).name_of(date(2026, 10, 8)) == "台风停工"
        assert services.clear_calendar_day(SYSTEM, tenant, date(2026, 10, 8))
        assert selectors.add_working_days(tenant, date(2026, 9, 30), 1) == date(2026, 10, 8)
        assert not services.clear_calendar_day(SYSTEM, tenant, date(2026, 10, 8))


def test_the_cases_app_drives_a_versions_workflow_through_selectors(city):
    tenant, dept = city
    service = make_service(tenant, dept)
    with tenant_context(tenant):
        version = selectors.current_version(tenant, service)
        start = selectors.workflow_start(version)
        assert (start.state, start.kind) == ("submitted", "start")
        step = selectors.workflow_apply(version, "submitted", "accept", {"caseworker"})
        assert step.state == "review" and step.time_limit_days == 2 and step.department == "market-regulation"
        assert "approve" in [a.action for a in selectors.workflow_actions(version, "review", {"caseworker"})]
        with pytest.raises(InvalidInput) as exc:
            selectors.workflow_apply(version, "review", "reject", {"caseworker"})
        assert exc.value.details[0]["field"] == "reason"
        with pytest.raises(Conflict) as refused:
            selectors.workflow_apply(version, "review", "approve", {"applicant"})
        assert refused.value.code == "action_not_allowed"
        assert selectors.workflow_breach(version, "review").escalate_to == "supervisor"
        assert selectors.submission_data(version, dict(GOOD, branch_address={"detail": "x"})) == GOOD
        assert selectors.document_fields(version) == []


def test_certificate_validity_is_versioned_like_the_other_terms(city):
    tenant, dept = city
    service = make_service(tenant, dept)
    with tenant_context(tenant):
        v1 = selectors.current_version(tenant, service)
        assert v1.certificate_validity_months == 60  # five years unless the service says otherwise
        v1.certificate_validity_months = 12
        with pytest.raises(VersionImmutable):
            v1.save()
        # The next edit is a new draft copied from v1 (validity included); the published v1 keeps its own.
        draft = services.save_draft(SYSTEM, tenant, service, time_limit_days=4)
        assert draft.number == 2 and draft.certificate_validity_months == 60
        draft = services.save_draft(SYSTEM, tenant, service, certificate_validity_months=None)
        assert draft.certificate_validity_months is None  # no expiry
        draft = services.save_draft(SYSTEM, tenant, service, time_limit_days=5)
        assert draft.certificate_validity_months is None  # other edits leave it alone
        services.publish_service(SYSTEM, tenant, service)
        service.refresh_from_db()
        assert selectors.current_version(tenant, service).certificate_validity_months is None
        assert selectors.service_version(tenant, v1.pk).certificate_validity_months == 60
        saved = AuditEvent.objects.filter(tenant=tenant, action="catalogue.draft_saved")
        assert any(e.changes.get("certificate_validity_months") == [60, None] for e in saved)
        made = services.create_service(SYSTEM, tenant, code="residence", name_zh="居住证", name_en="Residence permit",
                                       department=dept, certificate_validity_months=12)
        assert selectors.draft_version(tenant, made).certificate_validity_months == 12


@pytest.mark.parametrize("months", [0, -1, 601, True, "12", 1.5])
def test_a_bad_certificate_validity_is_refused_naming_the_field(city, months):
    tenant, dept = city
    service = make_service(tenant, dept, publish=False)
    with tenant_context(tenant):
        with pytest.raises(InvalidInput) as exc:
            services.save_draft(SYSTEM, tenant, service, certificate_validity_months=months)
        assert exc.value.details[0]["field"] == "certificate_validity_months"
        with pytest.raises(InvalidInput) as exc:
            services.create_service(SYSTEM, tenant, code="other", name_zh="x", name_en="x", department=dept,
                                    certificate_validity_months=months)
        assert exc.value.details[0]["field"] == "certificate_validity_months"


def test_a_certificates_last_day_follows_the_versions_validity(city):
    assert selectors.certificate_valid_until(60, date(2026, 3, 2)) == date(2031, 3, 2)
    assert selectors.certificate_valid_until(1, date(2026, 1, 31)) == date(2026, 2, 28)
    assert selectors.certificate_valid_until(None, date(2026, 3, 2)) is None
