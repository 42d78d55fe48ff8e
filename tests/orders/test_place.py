from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from billetterie.capacity.models import Hold
from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.models import Price, Quota
from billetterie.catalog.selectors import Visibility
from billetterie.catalog.services import product_delete
from billetterie.core import clock
from billetterie.core.errors import Conflict, InvalidInput, SoldOut
from billetterie.orders.models import OrderState
from billetterie.orders.services import (
    Checkout,
    Person,
    order_cancel,
    order_expire_due,
    order_mark_paid,
    order_place,
)
from tests.factories import Shop, shop_create

pytestmark = pytest.mark.django_db
VISITOR = Visibility()


def _checkout(cart: Cart) -> Checkout:
    people = {p.pk: Person(name=f"P{p.pk}", email=f"p{p.pk}@example.org") for p in cart.positions.all()}
    return Checkout(email="buyer@example.org", name="Buyer", terms_accepted=True, people=people)


def _cart_with_ticket(shop: Shop, quantity: int = 1) -> Cart:
    cart = Cart.objects.create(organizer=shop.organizer)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=quantity),
             visibility=VISITOR)
    return cart


def test_placing_twice_returns_the_same_order(shop: Shop) -> None:
    cart = _cart_with_ticket(shop, 2)
    checkout = _checkout(cart)
    first = order_place(cart_token=cart.token, checkout=checkout)
    again = order_place(cart_token=cart.token, checkout=checkout)
    assert first.pk == again.pk
    assert first.total_cents == 3000 and first.state == OrderState.PENDING
    assert Quota.objects.get(date=shop.date).used == 2
    assert Hold.objects.filter(line__order=first, released_at=None).count() == 2
    assert len(first.secret) >= 22  # at least 128 bits


def test_each_person_needs_name_and_email(shop: Shop) -> None:
    cart = _cart_with_ticket(shop)
    with pytest.raises(InvalidInput) as err:
        order_place(cart_token=cart.token,
                    checkout=Checkout(email="b@example.org", name="B", terms_accepted=True))
    assert err.value.code == "person_required"
    assert Quota.objects.get(date=shop.date).used == 1  # still held by the cart, nothing half-written


def test_terms_must_be_accepted(shop: Shop) -> None:
    cart = _cart_with_ticket(shop)
    with pytest.raises(InvalidInput):
        order_place(cart_token=cart.token, checkout=Checkout(email="b@example.org", name="B"))


def test_meal_needs_a_ticket_unless_standalone(shop: Shop) -> None:
    cart = Cart.objects.create(organizer=shop.organizer)
    cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=VISITOR)
    with pytest.raises(InvalidInput) as err:
        order_place(cart_token=cart.token, checkout=_checkout(cart))
    assert err.value.code == "addon_needs_ticket"
    shop.meal.addon_standalone = True
    shop.meal.save()
    assert order_place(cart_token=cart.token, checkout=_checkout(cart)).total_cents == 1200


def test_free_order_is_confirmed_without_payment(shop: Shop, django_capture_on_commit_callbacks) -> None:
    Price.objects.filter(pk=shop.adult.pk).update(amount_cents=0)
    shop.adult.refresh_from_db()
    cart = _cart_with_ticket(shop)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    assert order.state == OrderState.PAID
    assert not order.payments.exists()
    assert Hold.objects.get(line__order=order).expires_at is None
    assert len(mail.outbox) == 1


def test_unpaid_order_expires_and_releases(shop: Shop) -> None:
    cart = _cart_with_ticket(shop, 3)
    order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    assert order_expire_due() == 0
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        assert order_expire_due() == 1
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert Quota.objects.get(date=shop.date).used == 0


def test_payment_after_expiry_takes_the_places_back_if_free(shop: Shop) -> None:
    cart = _cart_with_ticket(shop)
    order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        order_expire_due()
        assert order_mark_paid(order_id=order.pk)
    assert Quota.objects.get(date=shop.date).used == 1


def test_payment_after_expiry_when_sold_out_is_not_fulfilled() -> None:
    shop = shop_create(capacity=1)
    cart = _cart_with_ticket(shop)
    order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        order_expire_due()
        other = _cart_with_ticket(shop)
        order_place(cart_token=other.token, checkout=_checkout(other))
        assert order_mark_paid(order_id=order.pk) is False
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert Quota.objects.get(date=shop.date).used == 1


def test_expired_cart_is_taken_again_at_checkout_if_free() -> None:
    shop = shop_create(capacity=1)
    cart = _cart_with_ticket(shop)
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        order = order_place(cart_token=cart.token, checkout=_checkout(cart))
        assert Quota.objects.get(date=shop.date).used == 1
    assert order.lines.count() == 1


def test_expired_cart_whose_place_was_sold_fails_cleanly() -> None:
    shop = shop_create(capacity=1)
    cart = _cart_with_ticket(shop)
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        other = _cart_with_ticket(shop)
        with pytest.raises(SoldOut):
            order_place(cart_token=cart.token, checkout=_checkout(cart))
        assert Quota.objects.get(date=shop.date).used == 1
        assert other.positions.count() == 1


def test_cancel_releases_places(shop: Shop) -> None:
    cart = _cart_with_ticket(shop, 2)
    order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    order_cancel(order_id=order.pk)
    order_cancel(order_id=order.pk)
    assert Quota.objects.get(date=shop.date).used == 0


def test_product_with_sales_cannot_be_deleted(shop: Shop) -> None:
    cart = _cart_with_ticket(shop)
    order_place(cart_token=cart.token, checkout=_checkout(cart))
    with pytest.raises(Conflict):
        product_delete(product=shop.ticket)
    product_delete(product=shop.donation)


def test_payment_after_expiry_locks_the_holds_it_keeps(shop: Shop) -> None:
    """An expired but not yet reclaimed hold is kept only under lock; a hold already reclaimed is
    taken again through the quota, never counted twice."""
    cart = _cart_with_ticket(shop)
    order = order_place(cart_token=cart.token, checkout=_checkout(cart))
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        from billetterie.capacity.services import holds_reclaim_expired

        holds_reclaim_expired()  # the seat went back to the pool
        assert Quota.objects.get(date=shop.date).used == 0
        assert order_mark_paid(order_id=order.pk)
    assert Quota.objects.get(date=shop.date).used == 1
    assert Hold.objects.filter(line__order=order, released_at=None, expires_at=None).count() == 1


@pytest.mark.parametrize("email", ["a@", "a@b", "x@example.org\r\nBcc: y@example.org", "x@exa\nmple.org"])
def test_an_address_no_mail_can_reach_is_refused_by_the_service_itself(shop: Shop, email: str) -> None:
    """Every entry point validates addresses; the service refuses them too (issue 9, item 7)."""
    from billetterie.cart.services import cart_get_or_create
    from billetterie.orders.models import Order
    from billetterie.orders.services import Checkout, Person, order_place

    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    (position,) = cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                           visibility=Visibility())
    with pytest.raises(InvalidInput) as buyer:
        order_place(cart_token=cart.token, checkout=Checkout(email=email, name="Camille", terms_accepted=True,
                                                             people={position.pk: Person("Camille", "c@example.org")}))
    with pytest.raises(InvalidInput) as attendee:
        order_place(cart_token=cart.token, checkout=Checkout(email="c@example.org", name="Camille",
                                                             terms_accepted=True,
                                                             people={position.pk: Person("Camille", email)}))
    assert (buyer.value.code, attendee.value.code) == ("contact_required", "person_required")
    assert not Order.objects.exists()


def test_an_order_given_a_later_due_date_after_the_sweep_listed_it_is_not_expired(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expiry job lists due orders, then locks each: a buyer choosing bank transfer in between
    moves its due date, and the order must keep its places (review, 2026-12-03)."""
    from billetterie.orders import services
    from billetterie.orders.services import order_expire_due, order_extend_due
    from tests.factories import order_placed

    order = order_placed(shop, tickets=1, meals=0)
    assert order.expires_at is not None
    later = order.expires_at + timedelta(days=7)
    listed_at = order.expires_at + timedelta(minutes=1)

    def listed_then_extended(now: object) -> list[int]:
        ids = [order.pk]  # what the list query saw: due
        order_extend_due(order_id=order.pk, until=later)  # then the buyer chose bank transfer
        return ids

    monkeypatch.setattr(services, "_due_order_ids", listed_then_extended)
    with time_machine.travel(listed_at):
        assert order_expire_due() == 0
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and order.expires_at == later
