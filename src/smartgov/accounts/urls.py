from django.urls import path

from smartgov.accounts import views

urlpatterns = [
    path("", views.overview, name="manage-overview"),
    path("departments", views.departments, name="manage-departments"),
    path("people", views.people, name="manage-people"),
    path("api-clients", views.api_clients, name="manage-api-clients"),
    path("api-clients/<uuid:client_id>/revoke", views.revoke_api_client, name="manage-api-client-revoke"),
    path("audit", views.audit_trail, name="manage-audit"),
    path("audit.csv", views.audit_export, name="manage-audit-export"),
]
