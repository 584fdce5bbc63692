from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "smartgov.demo"
    verbose_name = "Demo world"
