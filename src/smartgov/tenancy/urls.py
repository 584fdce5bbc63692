from django.urls import path

from smartgov.tenancy import views

urlpatterns = [
    path("", views.console, name="operator-console"),
    path("tenants/new", views.create_tenant, name="operator-tenant-create"),
    path("tenants/<slug:slug>/status", views.change_status, name="operator-tenant-status"),
]
