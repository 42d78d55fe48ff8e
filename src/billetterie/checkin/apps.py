from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinConfig(AppConfig):
    name = "billetterie.checkin"
    label = "checkin"
    verbose_name = _("Check-in")

    def ready(self) -> None:
        from billetterie.payments.self_service import self_cancel_entered_register

        from .selectors import order_entered

        self_cancel_entered_register(order_entered)  # a buyer does not cancel a ticket that entered
