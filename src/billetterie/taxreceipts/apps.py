from django.apps import AppConfig


class TaxreceiptsConfig(AppConfig):
    name = "billetterie.taxreceipts"
    label = "taxreceipts"

    def ready(self) -> None:
        from . import subscribers

        subscribers.register()  # receipts issued with the payment, cancelled with the refund
