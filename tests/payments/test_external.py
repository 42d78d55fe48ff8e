from __future__ import annotations

import pytest

from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.selectors import Visibility
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, Person, order_place
from billetterie.payments.services import payment_record_external
from tests.factories import Shop

pytestmark = pytest.mark.django_db


def _order(shop: Shop) -> Order:
    cart = Cart.objects.create(organizer=shop.organizer)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=2),
             visibility=Visibility())
    people = {p.pk: Person(name="A", email="a@example.org") for p in cart.positions.all()}
    return order_place(cart_token=cart.token,
                       checkout=Checkout(email="a@example.org", name="A", terms_accepted=True, people=people))


def test_box_office_payments_in_two_parts_pay_the_order(shop: Shop) -> None:
    order = _order(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=2000, reference="CHQ 1234")
    order.refresh_from_db()
    assert order.state == OrderState.PAID


@pytest.mark.parametrize(("method", "cents"), [("bitcoin", 3000), ("cash", 0), ("cash", 3001), ("cash", -5)])
def test_bad_external_payments_are_refused(shop: Shop, method: str, cents: int) -> None:
    order = _order(shop)
    with pytest.raises(InvalidInput):
        payment_record_external(order_id=order.pk, method=method, amount_cents=cents)
    assert not order.payments.exists()
