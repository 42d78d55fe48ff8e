from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "billetterie.ledger"
    label = "ledger"
    verbose_name = _("Books")

    def ready(self) -> None:
        from django.core import checks

        from . import handlers
        from .checks_system import database_supports_the_books

        handlers.register()  # the books follow payments, refunds and orders in their transactions
        checks.register(database_supports_the_books, checks.Tags.database)
