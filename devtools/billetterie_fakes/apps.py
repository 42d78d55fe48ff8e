from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig


class FakesConfig(AppConfig):
    name = "billetterie_fakes"
    label = "billetterie_fakes"
    verbose_name = "Payment service stand-ins (development)"

    def ready(self) -> None:
        """Each fake bank page becomes the stand-in of its family: a sandbox method given no
        credentials posts there (still only while settings.PAYMENT_FAKES is on, read per request)."""
        from django.urls import reverse

        from billetterie.payments.providers.bank_common import STAND_INS, StandIn

        from .banks import lyra, sips

        def page_path(family: str) -> Callable[[], str]:
            return lambda: reverse("fake_psp:pay", args=[family])  # reversed late: the URLconf loads after ready()

        for family, module in (("lyra", lyra), ("sips", sips)):
            STAND_INS[family] = StandIn(credentials=module.CREDENTIALS, page_path=page_path(family))
