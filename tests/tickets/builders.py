"""A paid order built through the public services, for the ticket and email tests."""

from __future__ import annotations

from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.selectors import Visibility
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, Person, order_mark_paid, order_place
from tests.factories import Shop

ATTENDEES = ["Camille Durand", "Léo Martin", "Inès Bernard", "Hugo Petit"]


def order_placed(shop: Shop, *, tickets: int = 2, meal: bool = True, locale: str = "fr") -> Order:
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    positions = cart_add(
        cart=cart,
        item=CartAdd(product=shop.ticket, quantity=tickets, price=shop.adult, date=shop.date),
        visibility=Visibility(),
    )
    if meal:
        cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=Visibility())
    people = {
        p.pk: Person(name=ATTENDEES[i % len(ATTENDEES)], email=f"p{i}@example.org")
        for i, p in enumerate(positions)
    }
    return order_place(
        cart_token=cart.token,
        checkout=Checkout(
            email="acheteur@example.org", name="Camille Durand", locale=locale,
            terms_accepted=True, people=people,
        ),
    )


def order_paid(shop: Shop, *, tickets: int = 2, meal: bool = True, locale: str = "fr") -> Order:
    """Place and pay an order (the confirmation email is queued on commit, as in production)."""
    order = order_placed(shop, tickets=tickets, meal=meal, locale=locale)
    assert order_mark_paid(order_id=order.pk)
    order.refresh_from_db()
    return order
