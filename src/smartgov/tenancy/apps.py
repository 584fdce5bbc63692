from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "smartgov.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from smartgov.tenancy import rls

        post_migrate.connect(rls.apply_after_migrate, dispatch_uid="smartgov.tenancy.rls")
