from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "billetterie.ledger"
    label = "ledger"
    verbose_name = _("Books")

    def ready(self) -> None:
        from . import handlers

        handlers.register()  # the books follow payments, refunds and orders in their transactions
