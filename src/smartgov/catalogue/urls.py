"""Pages of the catalogue app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import path

from smartgov.catalogue import views

urlpatterns = [
    path("services/", views.browse, name="catalogue-browse"),
    path("services/<uuid:service_id>/", views.detail, name="catalogue-detail"),
    path("services/manage/", views.manage_list, name="catalogue-manage"),
    path("services/manage/calendar/", views.calendar_admin, name="catalogue-calendar"),
    path("services/manage/<uuid:service_id>/", views.manage_service, name="catalogue-manage-service"),
    path("services/manage/<uuid:service_id>/form/", views.form_builder, name="catalogue-form-builder"),
    path("services/manage/<uuid:service_id>/workflow/", views.workflow_editor, name="catalogue-workflow"),
    path("services/manage/<uuid:service_id>/<slug:action>/", views.manage_action, name="catalogue-manage-action"),
]
