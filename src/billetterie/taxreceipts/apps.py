from django.apps import AppConfig


class TaxreceiptsConfig(AppConfig):
    name = "billetterie.taxreceipts"
    label = "taxreceipts"
