from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "smartgov.documents"
    verbose_name = "Documents"
