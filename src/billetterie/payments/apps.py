from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billetterie.payments"
    label = "payments"

    def ready(self) -> None:
        from billetterie.orders.selectors import order_money_kept_register

        from . import balance, subscribers

        order_money_kept_register(balance.order_money_kept_cents)
        subscribers.register()
