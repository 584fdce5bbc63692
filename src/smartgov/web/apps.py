from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "smartgov.web"
    verbose_name = "Web"
