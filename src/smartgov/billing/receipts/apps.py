from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "smartgov.billing.receipts"
    label = "billing_receipts"
    verbose_name = "Billing: receipts"
