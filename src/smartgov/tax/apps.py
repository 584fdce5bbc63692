from django.apps import AppConfig


class TaxConfig(AppConfig):
    name = "smartgov.tax"
    verbose_name = "Tax"
