from __future__ import annotations

from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.selectors import Visibility
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, Person, order_place
from tests.factories import Shop


def order_for(shop: Shop, quantity: int = 1) -> Order:
    """A pending order of `quantity` adult tickets (15 € each)."""
    cart = Cart.objects.create(organizer=shop.organizer)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=quantity),
             visibility=Visibility())
    people = {p.pk: Person(name="Alex", email="alex@example.org") for p in cart.positions.all()}
    return order_place(cart_token=cart.token,
                       checkout=Checkout(email="a@example.org", name="A", terms_accepted=True, people=people))
