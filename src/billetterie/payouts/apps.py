from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "billetterie.payouts"
    label = "payouts"
