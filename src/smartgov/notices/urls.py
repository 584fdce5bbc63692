"""Pages of the notices app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import path

from smartgov.notices import views

urlpatterns = [
    path("notices/", views.inbox_page, name="notices-inbox"),
    path("notices/<uuid:message_id>/read", views.read_page, name="notices-read"),
    path("notices/read-all", views.read_all_page, name="notices-read-all"),
    path("notices/preferences", views.preferences_page, name="notices-preferences"),
    path("notices/templates", views.templates_page, name="notices-templates"),
]
