from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "smartgov.catalogue"
    verbose_name = "Catalogue"
