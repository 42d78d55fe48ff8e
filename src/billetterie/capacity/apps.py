from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "billetterie.capacity"
    label = "capacity"
