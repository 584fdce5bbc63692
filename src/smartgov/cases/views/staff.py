"""The staff workbench: the department's queue with SLA badges, the case page (applicant data
masked until revealed, documents, history, notes, the actions the workflow allows now), the
supervisors' breach list and the statistics dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.accounts import permissions as perms
from smartgov.accounts.services import Principal
from smartgov.cases import ports, selectors, services, statistics
from smartgov.cases.views import charts
from smartgov.cases.views._common import language, me
from smartgov.cases.views.forms import labelled, sections
from smartgov.kit.errors import DomainError
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


@pages.member_page(perms.CASES_WORK)
def queue(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    breached = request.GET.get("breached") == "1"
    if breached:
        principal.require(perms.CASES_SUPERVISE)
        tasks = list(selectors.breaches(tenant)[:500])
    else:
        tasks = list(selectors.queue(tenant, me(principal))[:500])
    for task in tasks:
        task.sla = selectors.sla_badge(task.due_at)  # type: ignore[attr-defined]
    return render(
        request,
        "cases/queue.html",
        {
            "tenant": tenant,
            "tasks": tasks,
            "breached": breached,
            "supervisor": principal.has(perms.CASES_SUPERVISE),
            "me": me(principal),
        },
    )


@pages.member_page(perms.CASES_WORK)
def case(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    app = selectors.application(tenant, application_id)
    version = ports.version(tenant, app.service_version_id)
    # Staff see the stored answers: personal fields stay masked until revealed (audited).
    shown = sections(version, dict(app.form_data), {}, language(request))
    tasks = list(selectors.open_tasks(tenant, app))
    for task in tasks:
        task.sla = selectors.sla_badge(task.due_at)  # type: ignore[attr-defined]
    return render(
        request,
        "cases/case.html",
        {
            "tenant": tenant,
            "app": app,
            "sections": shown,
            "tasks": tasks,
            "me": me(principal),
            "actions": services.available_actions(tenant, app, me(principal)),
            "history": selectors.history(tenant, app, include_internal=True),
            "notes": selectors.notes(tenant, app),
            "attachments": labelled(version, selectors.attachments(tenant, app), language(request)),
            "decision": getattr(app, "decision", None) if hasattr(app, "decision") else None,
            "certificate": getattr(app, "certificate", None) if hasattr(app, "certificate") else None,
            "can_reveal": principal.has(perms.PERSONAL_DATA_REVEAL),
            "can_revoke": principal.has(perms.CERTIFICATES_REVOKE),
            "document_fields": ports.document_fields(version.form_schema),
        },
    )


@require_POST
@pages.member_page(perms.CASES_WORK)
def claim(request: HttpRequest, tenant: Tenant, principal: Principal, task_id: str) -> HttpResponse:
    task = selectors.task(tenant, task_id)
    try:
        services.claim(principal.actor, tenant, task, me(principal))
        messages.success(request, _("Task claimed."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases-work-case", tenant=tenant.slug, application_id=task.application_id)


@require_POST
@pages.member_page(perms.CASES_WORK)
def act(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    app = selectors.application(tenant, application_id)
    items = request.POST.getlist("items") or [
        i.strip() for i in request.POST.get("items_text", "").split(",") if i.strip()
    ]
    try:
        services.act(
            principal.actor,
            tenant,
            app,
            me(principal),
            request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
            items=items,
            failed_requirement=request.POST.get("failed_requirement", ""),
        )
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases-work-case", tenant=tenant.slug, application_id=app.pk)


@require_POST
@pages.member_page(perms.CASES_WORK)
def note(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    app = selectors.application(tenant, application_id)
    try:
        services.add_note(principal.actor, tenant, app, me(principal), request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases-work-case", tenant=tenant.slug, application_id=app.pk)


@require_POST
@pages.member_page(perms.PERSONAL_DATA_REVEAL)
def reveal(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    """htmx: swap the masked value for the clear one (the reveal is audited)."""
    app = selectors.application(tenant, application_id)
    try:
        value = services.reveal(principal.actor, tenant, app, request.POST.get("field", ""))
    except DomainError as exc:
        return HttpResponse(escape(exc.message), status=exc.status)
    return HttpResponse(f'<span class="revealed">{escape(value)}</span>')


@require_POST
@pages.member_page(perms.CERTIFICATES_REVOKE)
def revoke(request: HttpRequest, tenant: Tenant, principal: Principal, certificate_id: str) -> HttpResponse:
    cert = selectors.certificate(tenant, certificate_id)
    try:
        services.revoke(principal.actor, tenant, cert, request.POST.get("reason", ""))
        messages.success(request, _("Certificate revoked."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases-work-case", tenant=tenant.slug, application_id=cert.application_id)


@pages.member_page(perms.CASES_SUPERVISE)
def dashboard(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    stats = statistics.compute(tenant)
    lang = language(request)
    return render(
        request,
        "cases/dashboard.html",
        {
            "tenant": tenant,
            "stats": stats,
            "totals": statistics.totals(tenant),
            "chart_submissions": charts.bars(
                [(r.name(lang), r.submissions) for r in stats["services"]], _("Submissions per service")
            ),
            "chart_p90": charts.bars(
                [(r.name(lang), r.p90_days or 0) for r in stats["services"]],
                _("90th percentile working days to decision"),
            ),
            "chart_ontime": charts.bars(
                [(r.name(lang), round(100 * (r.on_time_rate or 0))) for r in stats["departments"]],
                _("On-time rate per department (%)"),
                maximum=100,
            ),
            "breaches": selectors.breaches(tenant).count(),
            "me": principal.membership,
        },
    )
