from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "smartgov.accounts"
    verbose_name = "Accounts"
