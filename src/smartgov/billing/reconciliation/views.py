"""Finance pages: statements (import, differences, resolve, close, CSV) and the collections and
ageing reports. The same services and selectors as the API; ``finance.reconcile`` throughout."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartgov.accounts import permissions as perms
from smartgov.billing import channels
from smartgov.kit import clock
from smartgov.kit.errors import DomainError, NotFound
from smartgov.tenancy.models import Tenant
from smartgov.web import pages

from . import reports, selectors, services


class ImportForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"))
    day = forms.DateField(label=gettext_lazy("Day (optional)"), required=False)
    file = forms.FileField(label=gettext_lazy("Statement file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, c) for c in channels.codes()]  # type: ignore[attr-defined]


class FetchForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"))
    day = forms.DateField(label=gettext_lazy("Day"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, c) for c in channels.codes()]  # type: ignore[attr-defined]


@pages.member_page(perms.FINANCE_RECONCILE)
def statements(request: HttpRequest, tenant: Tenant, principal: Any) -> HttpResponse:
    """The statements imported, newest day first, and the forms to import or fetch one."""
    form, fetch = ImportForm(prefix="imp"), FetchForm(prefix="fetch")
    rejected: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            if "fetch-channel" in request.POST:
                fetch = FetchForm(request.POST, prefix="fetch")
                if fetch.is_valid():
                    st = services.fetch_and_import(principal.actor, tenant, **fetch.cleaned_data)
                    return redirect("reconciliation-statement", tenant=tenant.slug, statement_id=st.pk)
            else:
                form = ImportForm(request.POST, request.FILES, prefix="imp")
                if form.is_valid():
                    upload = form.cleaned_data["file"]
                    st = services.import_statement(
                        principal.actor,
                        tenant,
                        channel=form.cleaned_data["channel"],
                        content=upload.read(),
                        filename=upload.name,
                        day=form.cleaned_data["day"],
                    )
                    return redirect("reconciliation-statement", tenant=tenant.slug, statement_id=st.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            if exc.code in ("statement_rejected", "statement_wrong_merchant"):
                rejected = list(exc.details or [])
    rows = [(s, selectors.open_count(tenant, s)) for s in selectors.statements(tenant)[:100]]
    return render(
        request,
        "billing_reconciliation/statements.html",
        {"rows": rows, "form": form, "fetch": fetch, "rejected": rejected},
        status=422 if rejected else 200,
    )


@pages.member_page(perms.FINANCE_RECONCILE)
def statement(request: HttpRequest, tenant: Tenant, principal: Any, statement_id: Any) -> HttpResponse:
    """One day of one channel: totals, lines with their results, differences to resolve, closing."""
    st = selectors.statement(tenant, statement_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "resolve":
                diff = selectors.difference(tenant, request.POST.get("difference", ""))
                if diff.statement_id != st.pk:
                    raise NotFound(_("No such difference."))
                services.resolve_difference(principal.actor, tenant, diff, reason=request.POST.get("reason", ""))
                messages.success(request, _("Difference resolved."))
            elif action == "close":
                services.close_statement(principal.actor, tenant, st)
                messages.success(request, _("The day is closed."))
            elif action == "recheck":
                result = services.rematch(principal.actor, tenant, st)
                messages.success(
                    request, _("Re-checked: %(cleared)d cleared, %(added)d new, %(open)d open.") % result
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("reconciliation-statement", tenant=tenant.slug, statement_id=st.pk)
    diffs = list(selectors.differences(tenant, st))
    return render(
        request,
        "billing_reconciliation/statement.html",
        {
            "statement": st,
            "lines": selectors.lines(tenant, st).select_related("payment"),
            "differences": diffs,
            "open": sum(1 for d in diffs if d.state == "open"),
        },
    )


@pages.member_page(perms.FINANCE_RECONCILE)
def statement_csv(request: HttpRequest, tenant: Tenant, principal: Any, statement_id: Any) -> HttpResponse:
    st = selectors.statement(tenant, statement_id)
    response = HttpResponse(reports.statement_csv(tenant, st), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{st.channel}-{st.day}.csv"'
    return response


class RangeForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    as_of = forms.DateField(label=gettext_lazy("Ageing as of"), required=False)


@pages.member_page(perms.FINANCE_RECONCILE)
def report(request: HttpRequest, tenant: Tenant, principal: Any) -> HttpResponse:
    """Daily collections by biller and channel, and receivables ageing; ``?format=`` gives CSV."""
    today = clock.now().astimezone(clock.DEFAULT_ZONE).date()
    form = RangeForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    date_to: date = data.get("date_to") or today
    date_from: date = data.get("date_from") or date_to.replace(day=1)
    as_of: date = data.get("as_of") or today
    if date_from > date_to or (date_to - date_from).days > reports.MAX_DAYS:
        messages.error(request, _("Choose a range of at most a year, from before to."))
        date_from, date_to = date_to.replace(day=1), date_to
    collections = reports.collections(tenant, date_from, date_to)
    ageing = reports.ageing(tenant, as_of)
    fmt = request.GET.get("format")
    if fmt in ("collections.csv", "ageing.csv"):
        content = reports.collections_csv(collections) if fmt == "collections.csv" else reports.ageing_csv(ageing)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{fmt}"'
        return response
    labels = [label for label, _lo, _hi in reports.BUCKETS]
    return render(
        request,
        "billing_reconciliation/reports.html",
        {
            "form": form,
            "collections": collections,
            "collected_total": sum(r.net_fen for r in collections),
            "ageing": [(r, [r.buckets[label] for label in labels]) for r in ageing],
            "labels": labels,
            "date_from": date_from,
            "date_to": date_to,
            "as_of": as_of,
            "query": request.GET.urlencode(),
        },
    )
