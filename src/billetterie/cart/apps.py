from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "billetterie.cart"
    label = "cart"
