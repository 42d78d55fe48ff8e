from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.utils.translation import gettext as _

from billetterie.catalog.models import ProductKind
from billetterie.core.errors import NotFound
from billetterie.core.ids import secrets_equal
from billetterie.core.ratelimit import Limit, bump, count, refusal

from .models import Order, OrderLine, OrderState

# wrong order links (code, secret) one client may try: a buyer mistypes one now and then, a
# script trying codes gets a 429 for the rest of the window (decision 0011)
ORDER_LINK_GUESSES = Limit("order-link", per_window=30, window_seconds=600)


def order_by_secret(*, organizer_slug: str, code: str, secret: str, client: str = "") -> Order:
    """A wrong secret and an unknown code give the same answer, in the same time.

    With `client` (the caller's address), its wrong links are counted: past ORDER_LINK_GUESSES in
    the window it is refused (RateLimited, 429) before anything is looked up, a right link
    included, or a 429 against a 404 would still tell right from wrong. Other clients, and their
    right links, are not affected."""
    if client and count(ORDER_LINK_GUESSES, client) >= ORDER_LINK_GUESSES.per_window:
        raise refusal(ORDER_LINK_GUESSES, _("Too many wrong order links from your connection: wait a few "
                                            "minutes and try again."))
    order = (
        Order.objects.select_related("organizer")
        .filter(organizer__slug=organizer_slug, code=code.upper()[:12])
        .first()
    )
    expected = order.secret if order is not None else "x" * 27
    if not secrets_equal(secret, expected) or order is None:
        if client:
            bump(ORDER_LINK_GUESSES, client)
        raise NotFound(_("Order not found."))
    return order


@dataclass(frozen=True)
class OrderMoney:
    """What an order holds: the payments domain's answer (payments/balance.py), as orders see it."""

    kept_cents: int  # received (fees aside) minus refunded
    refunded_cents: int  # every refund started or done

    @property
    def refunded_in_full(self) -> bool:
        return self.refunded_cents > 0 and self.kept_cents <= 0


def order_money(*, order: Order) -> OrderMoney:
    """What the order holds now.

    Payments sit above orders in the layer order: the payments app registers the answer at start
    up (`order_money_register`), so the rules that depend on it (a part-paid order is neither
    expired nor cancelled, a refunded order's tickets do not admit) ask without importing payments."""
    if _money is None:
        raise ImproperlyConfigured("no app registered how much money an order holds (the payments app)")
    return _money(order)


def order_money_kept_cents(*, order: Order) -> int:
    return order_money(order=order).kept_cents


_money: Callable[[Order], OrderMoney] | None = None


def order_money_register(answer: Callable[[Order], OrderMoney]) -> None:
    global _money
    _money = answer


def sold_by_event(*, event_ids: Iterable[int]) -> dict[int, int]:
    """Tickets and memberships sold per event: lines of paid orders, test orders left out."""
    rows = (
        OrderLine.objects.filter(
            product__event_id__in=list(event_ids), order__state=OrderState.PAID, order__testmode=False,
            kind__in=[ProductKind.TICKET, ProductKind.MEMBERSHIP],
        )
        .values("product__event_id")
        .annotate(n=Count("id"))
    )
    return {row["product__event_id"]: row["n"] for row in rows}
