"""Where the dashboard's tiles lead: the back-office pages that show what a figure counts, for a
role that may open them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from billetterie.organizers.permissions import Perm
from billetterie.payments.balance import OrderStatus
from billetterie.reporting.selectors import Period

from ..access import Backoffice


class DashboardLinks:
    def __init__(self, bo: Backoffice, period: Period) -> None:
        self.bo, self.period = bo, period

    def _url(self, name: str, perm: Perm, *args: object, **query: object) -> str | None:
        if not self.bo.can(perm):
            return None
        url = reverse(name, args=[self.bo.organizer.slug, *args])
        return f"{url}?{urlencode(query)}" if query else url

    def order(self, code: str) -> str | None:
        """An order's page."""
        return self._url("backoffice:orders:detail", Perm.VIEW, code)

    def orders(self, **query: object) -> str | None:
        """The orders list with these filters (those of backoffice.orders.forms.OrderFilterForm)."""
        return self._url("backoffice:orders:index", Perm.VIEW, **query)

    @property
    def orders_of_period(self) -> str | None:
        """The orders placed during the period (the list filters on the day an order was placed)."""
        return self.orders(placed_from=self.period.first.isoformat(), placed_to=self.period.last.isoformat())

    @property
    def orders_awaiting_payment(self) -> str | None:
        return self.orders(status=OrderStatus.UNPAID)

    @property
    def checkin(self) -> str | None:
        return self._url("backoffice:checkin:index", Perm.CHECKIN)
