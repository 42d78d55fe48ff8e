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

        # each entry takes the organiser's next journal number: after the other books' work
        subscribe = events.subscribe_in_transaction
        subscribe(OrderStateChanged, "journal.order_state", handlers.on_order_state_changed, numbers=True)
        subscribe(RefundStateChanged, "journal.refund_state", handlers.on_refund_state_changed, numbers=True)
        subscribe(InvoiceIssued, "journal.invoice", handlers.on_invoice_issued, numbers=True)
        subscribe(CreditNoteIssued, "journal.credit_note", handlers.on_credit_note_issued, numbers=True)
