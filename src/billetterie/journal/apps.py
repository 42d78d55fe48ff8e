from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "billetterie.journal"
    label = "journal"
