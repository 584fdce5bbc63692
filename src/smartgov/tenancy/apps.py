from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "smartgov.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from smartgov.tenancy import rls

        post_migrate.connect(rls.apply_after_migrate, dispatch_uid="smartgov.tenancy.rls")

        from django.db.models.signals import post_delete, post_save

        from smartgov.tenancy import selectors
        from smartgov.tenancy.models import Tenant

        def forget(sender: type, instance: Tenant, **kwargs: object) -> None:
            selectors.forget_tenant(instance.slug)

        post_save.connect(forget, sender=Tenant, dispatch_uid="smartgov.tenancy.forget", weak=False)
        post_delete.connect(forget, sender=Tenant, dispatch_uid="smartgov.tenancy.forget-deleted", weak=False)
