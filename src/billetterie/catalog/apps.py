from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "billetterie.catalog"
    label = "catalog"

    def ready(self) -> None:
        from . import signals

        signals.connect()
