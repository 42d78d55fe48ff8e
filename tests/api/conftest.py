from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.selectors import Visibility
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, Person, order_place
from tests.factories import Shop

MakeToken = Callable[..., str]


@pytest.fixture
def make_token(shop: Shop) -> MakeToken:
    def make(permissions: str = "read,orders", organizer: object = None) -> str:
        _row, token = api_token_create(
            organizer=organizer or shop.organizer, name="tests", permissions=permissions  # type: ignore[arg-type]
        )
        return token

    return make


@pytest.fixture
def api_client() -> Client:
    return Client()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def order_create(shop: Shop, *, tickets: int = 2, meals: int = 1) -> Order:
    """A pending order placed the buyer's way: cart, then checkout."""
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    people: dict[int, Person] = {}
    for i in range(tickets):
        item = CartAdd(product=shop.ticket, price=shop.adult, date=shop.date)
        (position,) = cart_add(cart=cart, item=item, visibility=Visibility())
        people[position.pk] = Person(name=f"Personne {i}", email=f"p{i}@example.org")
    if meals:
        item = CartAdd(product=shop.meal, price=shop.meal_price, quantity=meals)
        cart_add(cart=cart, item=item, visibility=Visibility())
    checkout = Checkout(email="acheteur@example.org", name="Alex A.", terms_accepted=True, people=people)
    return order_place(cart_token=cart.token, checkout=checkout)
