from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billetterie.payments"
    label = "payments"

    def ready(self) -> None:
        from billetterie.orders.selectors import order_money_register

        from . import balance, subscribers

        order_money_register(balance.order_money)
        subscribers.register()
