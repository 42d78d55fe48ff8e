from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "billetterie.journal"
    label = "journal"
    verbose_name = "Journal des ventes"

    def ready(self) -> None:
        from billetterie.core import events
        from billetterie.invoicing.events import CreditNoteIssued, InvoiceIssued
        from billetterie.orders.events import OrderStateChanged
        from billetterie.payments.events import RefundStateChanged

        from . import handlers

        events.subscribe_in_transaction(OrderStateChanged, "journal.order_state", handlers.on_order_state_changed)
        events.subscribe_in_transaction(RefundStateChanged, "journal.refund_state", handlers.on_refund_state_changed)
        events.subscribe_in_transaction(InvoiceIssued, "journal.invoice", handlers.on_invoice_issued)
        events.subscribe_in_transaction(CreditNoteIssued, "journal.credit_note", handlers.on_credit_note_issued)
