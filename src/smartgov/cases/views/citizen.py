"""The citizen's and business's pages: apply (form from the schema, pre-filled, wallet picker,
autosave), my applications with status and deadline, answering a correction, withdrawing, and
downloading certificates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartgov.accounts.services import Principal
from smartgov.cases import ports, selectors, services
from smartgov.cases.models import Application
from smartgov.cases.views._common import language, me
from smartgov.cases.views.forms import error_key, labelled, read_post, sections, without_item
from smartgov.kit import clock
from smartgov.kit.errors import DomainError, InvalidInput
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


def _errors(exc: DomainError) -> dict[str, str]:
    """The refusal's messages keyed by the field they concern (``shop_name``, ``owners[1].share``)."""
    found: dict[str, str] = {}
    for detail in exc.details or [] if isinstance(exc.details, list) else []:
        found.setdefault(error_key(str(detail.get("field", ""))), str(detail.get("message", "")))
    return found


def _unreadable(problems: dict[str, str]) -> dict[str, str]:
    return {key: _("This value cannot be read.") for key in problems}


def _rearranged(post: QueryDict) -> tuple[QueryDict, dict[str, int] | None]:
    """A no-script "Add another" or "Remove" press: the answers to keep and the blank items to add
    (None when the post is no such press)."""
    if "remove_item" in post:
        return without_item(post, post.get("remove_item") or ""), {}
    if "add_item" in post:
        return post, {post.get("add_item") or "": 1}
    return post, None


def _with_uploads(
    request: HttpRequest,
    tenant: Tenant,
    principal: Principal,
    version: ports.Version,
    post: QueryDict,
    only: set[str] | None = None,
) -> QueryDict:
    """Files chosen in file fields (``upload_lease``; ``upload_f_owners[0][id_copy]`` in a group's
    item) are uploaded into the wallet, and the post answers each field with the new document, as
    if it had been picked from the wallet. A file chosen in an item a no-script "Remove" press takes
    out is not uploaded."""
    fields = set(ports.document_fields(version.form_schema))
    groups = ports.group_document_fields(version.form_schema)
    removed = request.POST.get("remove_item", "")
    answered = post.copy()
    for key in request.FILES:
        answer = key.removeprefix("upload_")  # a group item's posted name, or a top-level field's name
        place = ports.item_place(error_key(answer.removeprefix("f_"))) if answer.startswith("f_") else None
        if place and place[2] in groups.get(place[0], ()):
            if removed == f"{place[0]}:{place[1]}":
                continue
            field = place[0]
        elif answer in fields:
            field, answer = answer, f"f_{answer}"
        else:
            continue
        if only is not None and field not in only:
            continue
        upload = request.FILES.get(key)
        if upload is None:
            continue
        doc = ports.upload(
            principal.actor,
            tenant,
            me(principal),
            upload.name or "upload",
            upload.read(),
            upload.content_type or "application/octet-stream",
        )
        answered[answer] = str(doc.pk)
    return answered


@pages.member_page()
def start(request: HttpRequest, tenant: Tenant, principal: Principal, service_id: str) -> HttpResponse:
    """Continue the open draft for this service, or start one (pre-filled from the profile)."""
    existing = (
        selectors.my_applications(tenant, me(principal))
        .filter(service_id=service_id, status=Application.Status.DRAFT)
        .first()
    )
    if existing is None:
        try:
            existing = services.start(principal.actor, tenant, me(principal), service_id)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("cases-mine", tenant=tenant.slug)
    return redirect("cases-edit", tenant=tenant.slug, application_id=existing.pk)


def _form_context(
    request: HttpRequest,
    tenant: Tenant,
    principal: Principal,
    app: Application,
    data: dict[str, Any],
    errors: dict[str, str],
    extra: dict[str, int] | None = None,
) -> dict[str, Any]:
    version = ports.version(tenant, app.service_version_id)
    wallet = ports.wallet(tenant, me(principal))
    return {
        "tenant": tenant,
        "app": app,
        "version": version,
        "wallet": wallet,
        "sections": sections(version, data, errors, language(request), extra),
        "attachments": labelled(version, selectors.attachments(tenant, app), language(request)),
    }


@pages.member_page()
def edit(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    """The application form. POST with ``autosave`` (htmx, on change) keeps a draft; with
    ``submit`` validates and submits, showing each field's problem next to it; with ``add_item`` or
    ``remove_item`` (a group's buttons without script) keeps the draft and shows the group changed."""
    app = selectors.application_of(tenant, me(principal), application_id)
    if app.status != Application.Status.DRAFT:
        return redirect("cases-detail", tenant=tenant.slug, application_id=app.pk)
    version = ports.version(tenant, app.service_version_id)
    errors: dict[str, str] = {}
    posted: dict[str, Any] = {}
    post, extra = _rearranged(request.POST)
    if request.method == "POST":
        posted, unreadable = read_post(version, post)
        try:
            if request.FILES and not request.headers.get("HX-Request"):  # autosave leaves files for the submit
                posted, unreadable = read_post(version, _with_uploads(request, tenant, principal, version, post))
            if "submit" in post and not unreadable:
                services.submit(principal.actor, tenant, app, posted)
                messages.success(request, _("Submitted. Your reference is shown below."))
                return redirect("cases-detail", tenant=tenant.slug, application_id=app.pk)
            services.save_draft(principal.actor, tenant, app, posted)
            if request.headers.get("HX-Request"):
                now = clock.local_now().strftime("%H:%M:%S")
                return HttpResponse(f'<span role="status">{_("Draft saved")} {now}</span>')
            if unreadable:
                errors = _unreadable(unreadable)
            elif extra is None:
                messages.success(request, _("Draft saved."))
                return redirect("cases-edit", tenant=tenant.slug, application_id=app.pk)
        except InvalidInput as exc:
            if request.headers.get("HX-Request"):
                return HttpResponse(f'<span role="alert">{escape(exc.message)}</span>')
            errors = _errors(exc) or {"": exc.message}
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
        app.refresh_from_db()
    # What was posted is shown as posted, also when a refused submission stored nothing of it.
    data = {**services.unseal_for_applicant(tenant, app), **posted}
    return render(
        request,
        "cases/apply.html",
        _form_context(request, tenant, principal, app, data, errors, extra),
        status=422 if errors else 200,
    )


@pages.member_page()
def mine(request: HttpRequest, tenant: Tenant, principal: Principal) -> HttpResponse:
    apps = selectors.my_applications(tenant, me(principal))[:200]
    certificates = selectors.my_certificates(tenant, me(principal))
    return render(request, "cases/mine.html", {"tenant": tenant, "apps": apps, "certificates": certificates})


@pages.member_page()
def detail(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    app = selectors.application_of(tenant, me(principal), application_id)
    return _detail(request, tenant, principal, app, {})


def _detail(
    request: HttpRequest,
    tenant: Tenant,
    principal: Principal,
    app: Application,
    errors: dict[str, str],
    status: int = 200,
    posted: dict[str, Any] | None = None,
    extra: dict[str, int] | None = None,
) -> HttpResponse:
    """The application page; ``posted`` (a correction being answered) shows over what is stored."""
    version = ports.version(tenant, app.service_version_id)
    data = services.unseal_for_applicant(tenant, app)
    lang = language(request)
    correction = []
    if app.status == Application.Status.AWAITING_CORRECTION:
        asked = set(app.correction_items)
        correction = [
            f for s in sections(version, {**data, **(posted or {})}, errors, lang, extra) for f in s.fields
            if f.name in asked
        ]
    return render(
        request,
        "cases/detail.html",
        {
            "tenant": tenant,
            "app": app,
            "version": version,
            "correction": correction,
            "history": selectors.history(tenant, app, include_internal=False),
            "attachments": labelled(version, selectors.attachments(tenant, app), lang),
            "decision": getattr(app, "decision", None) if hasattr(app, "decision") else None,
            "certificate": getattr(app, "certificate", None) if hasattr(app, "certificate") else None,
            "wallet": ports.wallet(tenant, me(principal)),
            "all_sections": sections(version, data, {}, lang),
        },
        status=status,
    )


@require_POST
@pages.member_page()
def amend(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    """Send the correction; a group's buttons without script come back with the group changed."""
    app = selectors.application_of(tenant, me(principal), application_id)
    version = ports.version(tenant, app.service_version_id)
    asked = set(app.correction_items)
    post, extra = _rearranged(request.POST)
    data, unreadable = read_post(version, post, only=asked)
    if extra is not None:
        return _detail(request, tenant, principal, app, {}, posted=data, extra=extra)
    try:
        if request.FILES:
            data, unreadable = read_post(
                version, _with_uploads(request, tenant, principal, version, post, asked), only=asked
            )
        if unreadable:
            messages.error(request, _("Some answers cannot be read."))
            return _detail(request, tenant, principal, app, _unreadable(unreadable), 422, posted=data)
        services.amend(principal.actor, tenant, app, data)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return _detail(request, tenant, principal, app, _errors(exc), 422, posted=data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Correction sent. The case is back with the department."))
    return redirect("cases-detail", tenant=tenant.slug, application_id=app.pk)


@require_POST
@pages.member_page()
def withdraw(request: HttpRequest, tenant: Tenant, principal: Principal, application_id: str) -> HttpResponse:
    app = selectors.application_of(tenant, me(principal), application_id)
    try:
        services.withdraw(principal.actor, tenant, app, request.POST.get("reason", ""))
        messages.success(request, _("Application withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("cases-detail", tenant=tenant.slug, application_id=app.pk)


@pages.member_page()
def certificate_pdf(request: HttpRequest, tenant: Tenant, principal: Principal, certificate_id: str) -> HttpResponse:
    """The holder downloads their certificate (staff who work cases may too)."""
    from smartgov.accounts import permissions as perms

    cert = selectors.certificate(tenant, certificate_id)
    if cert.holder_id != me(principal).pk and not principal.has(perms.CASES_WORK):
        from django.http import Http404

        raise Http404(_("No such certificate."))
    data = services.certificate_pdf(principal.actor, tenant, cert)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
