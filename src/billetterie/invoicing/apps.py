from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "billetterie.invoicing"
    label = "invoicing"

    def ready(self) -> None:
        from . import subscribers

        subscribers.register()
