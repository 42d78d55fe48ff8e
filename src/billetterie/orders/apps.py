from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "billetterie.orders"
    label = "orders"
