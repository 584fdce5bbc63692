from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "smartgov.audit"
    verbose_name = "Audit"
