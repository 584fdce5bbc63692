"""Pages of the documents app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import path

from smartgov.documents import views

urlpatterns = [
    path("documents/", views.wallet_page, name="documents-wallet"),
    path("documents/<uuid:document_id>/download", views.download_page, name="documents-download"),
    path("documents/<uuid:document_id>/delete", views.delete_page, name="documents-delete"),
]
