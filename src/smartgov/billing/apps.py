from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "smartgov.billing"
    verbose_name = "Billing"
