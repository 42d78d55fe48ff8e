from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "billetterie.invoicing"
    label = "invoicing"
