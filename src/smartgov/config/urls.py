from django.contrib import admin
from django.urls import include, path

from smartgov.api.v1 import api
from smartgov.web import language, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("operator/", include("smartgov.tenancy.urls")),
    path("<slug:tenant>/manage/", include("smartgov.accounts.urls")),
    # Domain pages: each app's urls.py names its own first path segment (services/, cases/, bills/ ...).
    path("<slug:tenant>/", include("smartgov.catalogue.urls")),
    path("<slug:tenant>/", include("smartgov.cases.urls")),
    path("<slug:tenant>/", include("smartgov.documents.urls")),
    path("<slug:tenant>/", include("smartgov.notices.urls")),
    path("<slug:tenant>/", include("smartgov.billing.urls")),
    path("<slug:tenant>/", include("smartgov.tax.urls")),
    path("<slug:tenant>/", views.portal_home, name="portal-home"),
    path("<slug:tenant>/signup", views.portal_signup, name="portal-signup"),
]
