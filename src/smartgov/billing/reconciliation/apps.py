from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "smartgov.billing.reconciliation"
    label = "billing_reconciliation"
    verbose_name = "Billing: reconciliation"
