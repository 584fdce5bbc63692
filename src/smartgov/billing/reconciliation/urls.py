"""Finance pages, under /<tenant>/ (included from billing's urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("reconciliation/", views.statements, name="reconciliation-statements"),
    path("reconciliation/reports", views.report, name="reconciliation-reports"),
    path("reconciliation/<uuid:statement_id>", views.statement, name="reconciliation-statement"),
    path("reconciliation/<uuid:statement_id>/csv", views.statement_csv, name="reconciliation-csv"),
]
