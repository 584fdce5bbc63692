"""Pages of the cases app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import path

from smartgov.cases.views import catalogue, citizen, public, staff

urlpatterns = [
    path("cases/apply/", catalogue.services, name="cases-services"),
    path("cases/apply/<uuid:service_id>", citizen.start, name="cases-start"),
    path("cases/mine/", citizen.mine, name="cases-mine"),
    path("cases/mine/<uuid:application_id>", citizen.detail, name="cases-detail"),
    path("cases/mine/<uuid:application_id>/edit", citizen.edit, name="cases-edit"),
    path("cases/mine/<uuid:application_id>/amend", citizen.amend, name="cases-amend"),
    path("cases/mine/<uuid:application_id>/withdraw", citizen.withdraw, name="cases-withdraw"),
    path("cases/certificates/<uuid:certificate_id>.pdf", citizen.certificate_pdf, name="cases-certificate-pdf"),
    path("cases/certificates/<uuid:certificate_id>/revoke", staff.revoke, name="cases-certificate-revoke"),
    path("cases/work/", staff.queue, name="cases-work"),
    path("cases/work/dashboard", staff.dashboard, name="cases-dashboard"),
    path("cases/work/tasks/<uuid:task_id>/claim", staff.claim, name="cases-work-claim"),
    path("cases/work/<uuid:application_id>", staff.case, name="cases-work-case"),
    path("cases/work/<uuid:application_id>/act", staff.act, name="cases-work-act"),
    path("cases/work/<uuid:application_id>/note", staff.note, name="cases-work-note"),
    path("cases/work/<uuid:application_id>/reveal", staff.reveal, name="cases-work-reveal"),
    path("verify/<uuid:certificate_id>", public.verify, name="cases-verify"),
]
