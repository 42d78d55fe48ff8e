from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "billetterie.tickets"
    label = "tickets"

    def ready(self) -> None:
        from . import subscribers

        subscribers.register()
