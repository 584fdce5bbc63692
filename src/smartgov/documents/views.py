"""The document wallet in the portal: list, upload, download, delete drafts. The same services
and selectors as the API; downloads go through the same short-lived signed links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smartgov.accounts import services as accounts
from smartgov.documents import selectors, services
from smartgov.documents.types import BUILTIN
from smartgov.kit.errors import DomainError, NotFound
from smartgov.tenancy.models import Tenant
from smartgov.web import pages

UPLOADABLE = ("supporting_document", "identity_document", "photo", "other")


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    doc_type = forms.ChoiceField(label=gettext_lazy("Kind of document"), choices=())

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["doc_type"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(c, BUILTIN[c].display_name(language)) for c in UPLOADABLE]


@pages.member_page()
def wallet_page(request: HttpRequest, tenant: Tenant, principal: accounts.Principal) -> HttpResponse:
    assert principal.membership is not None
    language = request.LANGUAGE_CODE
    form = UploadForm(request.POST or None, request.FILES or None, language=language)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.upload(
                principal.actor, tenant, principal.membership, file_name=upload.name or "", content=upload,
                declared_type=upload.content_type or "", doc_type=form.cleaned_data["doc_type"],
                title=form.cleaned_data["title"],
            )
            messages.success(request, _("Document uploaded."))
            return redirect("documents-wallet", tenant=tenant.slug)
        except DomainError as exc:
            form.add_error("file", exc.message)
    types = {t.code: t.display_name(language) for t in selectors.document_types(tenant)}
    documents = [(d, types.get(d.doc_type, d.doc_type)) for d in selectors.wallet(tenant, principal.membership)]
    return render(
        request,
        "documents/wallet.html",
        {"tenant": tenant, "documents": documents, "form": form, "language": language},
        status=422 if form.errors else 200,
    )


@pages.member_page()
def download_page(
    request: HttpRequest, tenant: Tenant, principal: accounts.Principal, document_id: str
) -> HttpResponse:
    """Sends the browser on to a fresh signed link (valid a few minutes), so page and API downloads
    are authorised, audited and served the same way."""
    document = selectors.readable_document(tenant, principal, document_id)
    link = services.signed_link(principal.actor, tenant, document)
    return redirect(link.url)


@pages.member_page()
@require_POST
def delete_page(
    request: HttpRequest, tenant: Tenant, principal: accounts.Principal, document_id: str
) -> HttpResponse:
    assert principal.membership is not None
    try:
        services.delete_draft(
            principal.actor, tenant, selectors.document(tenant, document_id), by=principal.membership
        )
        messages.success(request, _("Document deleted."))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("documents-wallet", tenant=tenant.slug)
