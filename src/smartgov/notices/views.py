"""The inbox and channel preferences in the portal, and the template page for administrators:
the same services and selectors as the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smartgov.accounts import permissions as perms
from smartgov.accounts import services as accounts
from smartgov.kit.errors import DomainError
from smartgov.notices import events, selectors, services
from smartgov.tenancy.models import Tenant
from smartgov.web import pages


@pages.member_page()
def inbox_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    assert principal.membership is not None
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(tenant, principal.membership, unread_only=unread_only), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/inbox.html", {
        "tenant": tenant, "page": page, "unread_only": unread_only,
        "unread": selectors.unread_count(tenant, principal.membership),
    })


@pages.member_page()
@require_POST
def read_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal, message_id: str) -> HttpResponse:
    assert principal.membership is not None
    message = selectors.message_of(tenant, principal.membership, message_id)
    services.mark_read(tenant, principal.membership, message)
    if request.headers.get("HX-Request"):
        return render(request, "notices/_message.html", {"tenant": tenant, "m": message})
    return redirect("notices-inbox", tenant=tenant.slug)


@pages.member_page()
@require_POST
def read_all_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    assert principal.membership is not None
    services.mark_all_read(tenant, principal.membership)
    return redirect("notices-inbox", tenant=tenant.slug)


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("E-mail"), required=False)
    sms = forms.BooleanField(label=gettext_lazy("Text message (SMS)"), required=False)


@pages.member_page()
def preferences_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    assert principal.membership is not None
    choices = {c.channel: c for c in selectors.channel_choices(tenant, principal.membership)}
    form = PreferencesForm(request.POST or None, initial={"email": choices["email"].enabled,
                                                          "sms": choices["sms"].enabled})
    if request.method == "POST" and form.is_valid():
        services.set_preferences(principal.actor, tenant, principal.membership, email=form.cleaned_data["email"],
                                 sms=form.cleaned_data["sms"])
        messages.success(request, _("Your notice channels are saved."))
        return redirect("notices-preferences", tenant=tenant.slug)
    return render(request, "notices/preferences.html", {"tenant": tenant, "form": form, "choices": choices})


class TemplateForm(forms.Form):
    event = forms.ChoiceField(choices=[(e, e) for e in events.EVENTS], widget=forms.HiddenInput)
    language = forms.ChoiceField(choices=[(lang, lang) for lang in events.LANGUAGES], widget=forms.HiddenInput)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    sms = forms.CharField(label=gettext_lazy("Text message"), max_length=500)


@pages.member_page()
def templates_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    principal.require(perms.NOTICES_MANAGE)
    failed: TemplateForm | None = None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("reset"):
                    services.reset_template(principal.actor, tenant, event=data["event"], language=data["language"])
                    messages.success(request, _("Default wording restored."))
                else:
                    services.set_template(principal.actor, tenant, event=data["event"], language=data["language"],
                                          subject=data["subject"], body=data["body"], sms_text=data["sms"])
                    messages.success(request, _("Template saved."))
                return redirect("notices-templates", tenant=tenant.slug)
            except DomainError as exc:
                form.add_error(None, exc.message)
        failed = form
    rows = []
    for view in selectors.templates(tenant):
        form = TemplateForm(initial={"event": view.event, "language": view.language, "subject": view.subject,
                                     "body": view.body, "sms": view.sms})
        if failed is not None and failed.data.get("event") == view.event:
            form = failed if failed.data.get("language") == view.language else form
        rows.append((view, form))
    return render(request, "notices/templates.html", {"tenant": tenant, "rows": rows},
                  status=422 if failed is not None else 200)
