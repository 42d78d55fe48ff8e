from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "billetterie.journal"
    label = "journal"
    verbose_name = "Journal des ventes"

    def ready(self) -> None:
        from billetterie.core import events
        from billetterie.orders.events import OrderStateChanged
        from billetterie.payments.events import RefundStateChanged

        from . import handlers

        events.subscribe_in_transaction(OrderStateChanged, "journal.order_state", handlers.on_order_state_changed)
        events.subscribe_in_transaction(RefundStateChanged, "journal.refund_state", handlers.on_refund_state_changed)
