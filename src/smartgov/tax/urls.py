"""Pages of the tax app, mounted under /<tenant>/ (see config/urls.py)."""

from django.urls import path

from smartgov.tax import views

urlpatterns = [
    path("tax/", views.overview, name="tax-overview"),
    path("tax/deductions", views.declare, name="tax-declare"),
    path("tax/deductions/<uuid:declaration_id>/withdraw", views.withdraw, name="tax-withdraw"),
    path("tax/reconciliation/<int:year>", views.reconciliation, name="tax-reconciliation"),
    path("tax/reconciliation/<int:year>/file", views.file_reconciliation, name="tax-reconciliation-file"),
    path("tax/business/<uuid:taxpayer_id>", views.business, name="tax-business"),
    path("tax/returns/<uuid:return_id>", views.return_detail, name="tax-return"),
    path("tax/bureau", views.bureau, name="tax-bureau"),
]
