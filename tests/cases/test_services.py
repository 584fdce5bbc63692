"""Applying and case work through the services: pre-fill, validation naming fields, references,
deadlines in working days, the workflow's tasks, corrections, decisions, certificates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smartgov.cases import selectors, services
from smartgov.cases.models import Application, Task
from smartgov.kit import clock
from smartgov.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from smartgov.tenancy.context import tenant_context
from tests.builders import SYSTEM
from tests.cases.builders import answers, make_world, upload

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, an ordinary working Monday


def submitted(world, **overrides):
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        return services.submit(SYSTEM, world.tenant, app, answers(world, **overrides))


def test_a_draft_is_prefilled_from_the_profile_and_personal_fields_are_sealed():
    world = make_world()
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        full = services.unseal_for_applicant(world.tenant, app)
    assert full["full_name"] == "张三" and full["phone"] == "13812345678" and len(full["id_number"]) == 18
    # Stored in the clear only masked; the clear value is in the encrypted blob.
    assert app.form_data["phone"] == "138****5678"
    assert full["id_number"] not in str(app.form_data) and full["id_number"] not in app.sealed_data
    assert app.status == Application.Status.DRAFT and app.reference == ""


def test_submission_refused_with_each_bad_field_named():
    world = make_world()
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        with pytest.raises(InvalidInput) as caught:
            services.submit(SYSTEM, world.tenant, app, {"shop_name": "x", "area": 0, "phone": "12"})
    fields = {d["field"] for d in caught.value.details}
    assert {"data.shop_name", "data.area", "data.phone", "data.lease"} <= fields
    assert caught.value.status == 422
    with tenant_context(world.tenant):
        assert Application.objects.get(pk=app.pk).status == Application.Status.DRAFT


def test_unknown_fields_are_refused_by_name():
    world = make_world()
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        with pytest.raises(InvalidInput) as caught:
            services.save_draft(SYSTEM, world.tenant, app, {"nonsense": 1})
    assert caught.value.details[0]["field"] == "data.nonsense"


def test_submission_numbers_dates_and_opens_the_first_task():
    with clock.frozen_at(MONDAY - timedelta(hours=1)):
        world = make_world()
    with clock.frozen_at(MONDAY):
        first = submitted(world)
        second = submitted(world)
    prefix = world.tenant.reference_prefix
    assert first.reference == f"{prefix}-2026-000001" and second.reference == f"{prefix}-2026-000002"
    # 5 working days after Monday 2 March 2026: Monday 9 March.
    assert first.deadline == date(2026, 3, 9)
    assert first.status == Application.Status.SUBMITTED and first.state == "submitted"
    with tenant_context(world.tenant):
        (task,) = selectors.open_tasks(world.tenant, first)
        attachment = selectors.attachments(world.tenant, first).get()
    assert task.step == "submitted" and task.department == world.department
    assert attachment.requirement == "lease" and not attachment.from_wallet  # a fresh upload, brought now
    with tenant_context(world.tenant):
        again = selectors.attachments(world.tenant, second).get()
    assert again.from_wallet  # filed with the first application: the government holds it already


def test_deadline_skips_the_spring_festival():
    with clock.frozen_at(datetime(2026, 2, 13, 2, 0, tzinfo=UTC)):  # Friday before 春节 2026
        world = make_world(time_limit_days=3)
        app = submitted(world)
    # Sat 14 Feb is an adjusted working day; 15-23 Feb are holidays: 14 Feb, 24 Feb, 25 Feb.
    assert app.deadline == date(2026, 2, 25)


def test_the_whole_case_correction_amend_approve_certificate():
    world = make_world()
    app = submitted(world)
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        services.act(SYSTEM, t, app, cw, "accept")
        app = services.act(SYSTEM, t, app, cw, "request_correction", reason="店名与租赁合同不符", items=["shop_name"])
        assert app.status == Application.Status.AWAITING_CORRECTION and app.correction_items == ["shop_name"]
        with pytest.raises(InvalidInput) as caught:
            services.amend(SYSTEM, t, app, {"area": 50})
        assert caught.value.details[0]["field"] == "data.area"
        app = services.amend(SYSTEM, t, app, {"shop_name": "王记面馆"})
        assert app.status == Application.Status.IN_PROGRESS and app.state == "review"
        app = services.decide(SYSTEM, t, app, cw, "approve", "材料齐全")
        assert app.status == Application.Status.APPROVED and app.processing_days is not None and app.on_time
        cert = app.certificate
        assert services.verify(cert).status == "valid"
        pdf = services.certificate_pdf(SYSTEM, t, cert)
    assert pdf.startswith(b"%PDF")
    assert cert.holder_name == "张三"


def test_rejection_cites_the_failed_requirement():
    world = make_world()
    app = submitted(world)
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        services.act(SYSTEM, t, app, cw, "accept")
        with pytest.raises(InvalidInput) as caught:
            services.act(SYSTEM, t, app, cw, "reject", reason="不符合条件")
        assert caught.value.details[0]["field"] == "failed_requirement"
        with pytest.raises(InvalidInput) as caught:
            services.act(SYSTEM, t, app, cw, "reject", failed_requirement="面积")
        assert caught.value.details[0]["field"] == "reason"
        app = services.act(SYSTEM, t, app, cw, "reject", reason="经营面积不足", failed_requirement="area")
    assert app.status == Application.Status.REJECTED
    assert app.decision.failed_requirement == "area"
    assert not hasattr(app, "certificate") or app.certificate is None


def test_actions_follow_the_roles_and_the_department():
    world = make_world()
    app = submitted(world)
    t = world.tenant
    with tenant_context(t):
        from tests.builders import make_member

    outsider = make_member(t, roles=("cashier",))
    with tenant_context(t):
        assert services.available_actions(t, app, outsider) == []
        with pytest.raises(Forbidden):
            services.act(SYSTEM, t, app, outsider, "accept")
        with pytest.raises(InvalidInput):
            services.act(SYSTEM, t, app, world.caseworker, "teleport")
        names = {a.action for a in services.available_actions(t, app, world.caseworker)}
        assert names == {"accept", "refuse"}


def test_claiming_is_exclusive():
    world = make_world()
    app = submitted(world)
    t = world.tenant
    from tests.builders import make_member

    other = make_member(t, roles=("caseworker",))
    with tenant_context(t):
        other.department = world.department
        other.save(update_fields=["department"])
        (task,) = selectors.open_tasks(t, app)
        services.claim(SYSTEM, t, task, world.caseworker)
        with pytest.raises(Conflict):
            services.claim(SYSTEM, t, task, other)
        services.assign(SYSTEM, t, task, other)
        assert Task.objects.get(pk=task.pk).claimed_by == other


def test_withdraw_cancels_open_tasks_and_closes_the_case():
    world = make_world()
    app = submitted(world)
    with tenant_context(world.tenant):
        app = services.withdraw(SYSTEM, world.tenant, app, "不需要了")
        assert app.status == Application.Status.WITHDRAWN
        assert not selectors.open_tasks(world.tenant, app).exists()
        with pytest.raises(Conflict):
            services.withdraw(SYSTEM, world.tenant, app)


def test_another_persons_document_cannot_be_attached():
    world = make_world()
    from tests.builders import make_citizen

    stranger = make_citizen(world.tenant)
    theirs = upload(world.tenant, stranger)
    with tenant_context(world.tenant):
        app = services.start(SYSTEM, world.tenant, world.citizen, world.service.pk)
        with pytest.raises(NotFound) as caught:
            services.submit(SYSTEM, world.tenant, app, answers(world, lease=str(theirs)))
    assert caught.value.details[0]["field"].startswith("attachments")


def test_breached_steps_escalate_once_and_appear_on_the_breach_list():
    with clock.frozen_at(MONDAY):
        world = make_world(time_limit_days=3)
        app = submitted(world)
        with tenant_context(world.tenant):
            services.act(SYSTEM, world.tenant, app, world.caseworker, "accept")
    with clock.frozen_at(datetime(2026, 3, 20, 2, 0, tzinfo=UTC)), tenant_context(world.tenant):
        assert services.escalate_breaches(world.tenant) == 1
        assert services.escalate_breaches(world.tenant) == 0
        (task,) = selectors.breaches(world.tenant)
        assert task.step == "review" and task.escalated_to == "supervisor"
        assert selectors.sla_badge(task.due_at) == "overdue"


def test_the_applicant_is_told_at_submission_correction_and_decision():
    from smartgov.notices.models import Message

    world = make_world()
    app = submitted(world)
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        services.act(SYSTEM, t, app, cw, "accept")
        services.act(SYSTEM, t, app, cw, "request_correction", reason="缺少面积", items=["area"])
        services.amend(SYSTEM, t, app, {"area": 80})
        services.decide(SYSTEM, t, app, cw, "approve", "符合条件")
        events = list(
            Message.objects.filter(tenant=t, recipient=world.citizen)
            .order_by("created_at")
            .values_list("event", flat=True)
        )
    assert events == ["application_submitted", "correction_requested", "decision_made", "certificate_issued"]


def test_a_breach_tells_the_assignee_and_the_departments_supervisors_once(django_capture_on_commit_callbacks):
    from django.core import mail

    from smartgov.cases import tasks
    from smartgov.notices.models import Message
    from smartgov.tenancy import services as tenancy
    from tests.builders import make_member

    with clock.frozen_at(MONDAY):
        world = make_world(time_limit_days=3)
        app = submitted(world)
        with tenant_context(world.tenant):
            services.act(SYSTEM, world.tenant, app, world.caseworker, "accept")
            (task,) = selectors.open_tasks(world.tenant, app)
            services.claim(SYSTEM, world.tenant, task, world.caseworker)
            elsewhere = tenancy.create_department(SYSTEM, world.tenant, "public-security", "公安局", "Police")
    far_supervisor = make_member(world.tenant, roles=("supervisor",))  # another department's: not told
    with tenant_context(world.tenant):
        far_supervisor.department = elsewhere
        far_supervisor.save(update_fields=["department"])
        world.supervisor.user.language = "en"
        world.supervisor.user.save(update_fields=["language"])
    mail.outbox.clear()
    # The review step (2 working days) was due on Wednesday 4 March; the task runs two weeks later.
    with clock.frozen_at(datetime(2026, 3, 20, 2, 0, tzinfo=UTC)):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.watch_deadlines()[world.tenant.slug]["breached"] == 1
        with django_capture_on_commit_callbacks(execute=True):
            again = tasks.watch_deadlines()  # the next quarter-hour's run
        assert again.get(world.tenant.slug, {}).get("breached", 0) == 0
    with tenant_context(world.tenant):
        told = list(Message.objects.filter(tenant=world.tenant, event="task_breached").order_by("recipient_id"))
    assert sorted(m.recipient_id for m in told) == sorted([world.caseworker.pk, world.supervisor.pk])
    by_person = {m.recipient_id: m for m in told}
    english = by_person[world.supervisor.pk]
    assert english.subject == f"Overdue: Food business licence ({app.reference})"
    assert "The step Review of application" in english.body and "due by 2026-03-04" in english.body
    assert "escalated to: Supervisor" in english.body and english.link.endswith(f"/cases/work/{app.pk}")
    chinese = by_person[world.caseworker.pk]
    assert chinese.subject == f"办理超时：食品经营许可（{app.reference}）" and "“审查”环节" in chinese.body
    # E-mail went after the commit, once per person, however often the task ran.
    staff = {world.supervisor.user.email, world.caseworker.user.email, far_supervisor.user.email}
    assert sorted(m.subject for m in mail.outbox if set(m.to) & staff) == sorted([english.subject, chinese.subject])


def test_the_applicant_is_warned_once_before_the_legal_deadline_and_told_what_to_do():
    from smartgov.notices.models import Message

    with clock.frozen_at(MONDAY):
        world = make_world()  # 5 working days: decided by Monday 9 March
        app = submitted(world)
        with tenant_context(world.tenant):
            services.act(SYSTEM, world.tenant, app, world.caseworker, "accept")
            services.act(SYSTEM, world.tenant, app, world.caseworker, "request_correction", reason="缺面积",
                         items=["area"])
            world.citizen.user.language = "en"
            world.citizen.user.save(update_fields=["language"])

    def warnings():
        return list(Message.objects.filter(tenant=world.tenant, recipient=world.citizen, event="deadline_approaching"))

    with tenant_context(world.tenant):
        with clock.frozen_at(datetime(2026, 3, 4, 2, 0, tzinfo=UTC)):  # three working days left: not yet
            assert services.notify_deadlines(world.tenant) == 0
        with clock.frozen_at(datetime(2026, 3, 5, 2, 0, tzinfo=UTC)):  # two working days left
            assert services.notify_deadlines(world.tenant) == 1
            assert services.notify_deadlines(world.tenant) == 0
        (warning,) = warnings()
    assert warning.subject == f"Deadline approaching: Food business licence ({app.reference})"
    assert "is due on 2026-03-09" in warning.body
    assert "Please submit the corrections asked for soon." in warning.body  # the case waits for the applicant


FILING = {
    "states": [
        {"id": "submitted", "kind": "start", "label": {"zh": "submitted", "en": "submitted"}},
        {"id": "recorded", "kind": "final", "outcome": "recorded", "label": {"zh": "recorded", "en": "recorded"}},
        {"id": "refused", "kind": "final", "outcome": "refused", "label": {"zh": "refused", "en": "refused"}},
    ],
    "transitions": [
        {"from": "submitted", "to": "recorded", "action": "record", "roles": ["caseworker"]},
        {"from": "submitted", "to": "refused", "action": "refuse", "roles": ["caseworker"], "kind": "rejection"},
    ],
}


@pytest.mark.parametrize(("action", "status"), [("record", "approved"), ("refuse", "rejected")])
def test_a_final_outcome_other_than_approved_can_grant(action, status):
    """A filing that ends "recorded" is granted (and gets its certificate); "refused" is not."""
    world = make_world(workflow=FILING)
    app = submitted(world)
    t, cw = world.tenant, world.caseworker
    with tenant_context(t):
        app = services.act(SYSTEM, t, app, cw, action, reason="材料齐全" if action == "record" else "不符合",
                           failed_requirement="" if action == "record" else "area")
        assert app.status == status
        assert (app.decision.outcome == "approve") == (status == "approved")


def test_submissions_use_the_version_published_now_and_never_change_the_one_they_share():
    """The published version a process keeps for submissions (``catalogue.open_service``): a newly
    published version is used at once, a retired service takes nothing, and what a submission reads
    of the kept version (form, schema, workflow) is not changed by submitting."""
    import copy

    from smartgov.catalogue import selectors as catalogue_selectors
    from smartgov.catalogue import services as catalogue

    world = make_world(time_limit_days=5)
    first = submitted(world)
    with tenant_context(world.tenant):
        _service, kept = catalogue_selectors.open_service(world.tenant, world.service.pk)
        assert kept.pk == first.service_version_id
        before = copy.deepcopy([kept.form_fields, kept.form_schema, kept.form_ui, kept.workflow])
        submitted(world)
        _service, again = catalogue_selectors.open_service(world.tenant, world.service.pk)
        assert again is kept  # the same object: read once per process
        assert [kept.form_fields, kept.form_schema, kept.form_ui, kept.workflow] == before

        service = catalogue_selectors.service(world.tenant, world.service.pk)
        catalogue.save_draft(SYSTEM, world.tenant, service, time_limit_days=9)
        newer = catalogue.publish_service(SYSTEM, world.tenant, service)
    second = submitted(world)
    assert second.service_version_id == newer.pk != first.service_version_id
    with tenant_context(world.tenant):
        catalogue.retire_service(SYSTEM, world.tenant, catalogue_selectors.service(world.tenant, world.service.pk))
    with pytest.raises(NotFound):
        submitted(world)
