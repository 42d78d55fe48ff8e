from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "billetterie.customers"
    label = "customers"
