from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "smartgov.api"
    verbose_name = "API"
