from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "billetterie.tickets"
    label = "tickets"
