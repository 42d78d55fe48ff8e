from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "billetterie.tickets"
    label = "tickets"

    def ready(self) -> None:
        from . import series, subscribers

        subscribers.register()
        series.register()  # the tickets' numbers, in the transaction of the payment (decision 0028)
