from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "smartgov.notices"
    verbose_name = "Notices"
