from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "smartgov.cases"
    verbose_name = "Cases"
