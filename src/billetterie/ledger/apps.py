from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "billetterie.ledger"
    label = "ledger"
