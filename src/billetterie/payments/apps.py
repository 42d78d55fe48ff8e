from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billetterie.payments"
    label = "payments"

    def ready(self) -> None:
        from billetterie.orders.selectors import order_money_kept_register

        from . import selectors, subscribers

        order_money_kept_register(selectors.order_money_kept_cents)
        subscribers.register()
