from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "smartgov.accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from smartgov.accounts import services
        from smartgov.accounts.models import ApiClient

        def forget(sender: type, instance: ApiClient, **kwargs: object) -> None:
            services.forget_api_client(instance.key_prefix)

        post_save.connect(forget, sender=ApiClient, dispatch_uid="smartgov.accounts.forget", weak=False)
        post_delete.connect(forget, sender=ApiClient, dispatch_uid="smartgov.accounts.forget-deleted", weak=False)
