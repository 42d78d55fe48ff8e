from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from billetterie.capacity.models import Hold
from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add, cart_positions, cart_remove, carts_sweep_expired
from billetterie.catalog.models import Publication, Quota
from billetterie.catalog.selectors import Visibility, availability_for
from billetterie.core import clock
from billetterie.core.errors import InvalidInput, SoldOut
from tests.factories import Shop, shop_create

pytestmark = pytest.mark.django_db
VISITOR = Visibility()


def _cart(shop: Shop) -> Cart:
    return Cart.objects.create(organizer=shop.organizer)


def test_adding_takes_places_in_every_quota_all_or_nothing() -> None:
    shop = shop_create(capacity=3, meal_quota=1)
    cart = _cart(shop)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=2),
             visibility=VISITOR)
    cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=VISITOR)
    with pytest.raises(SoldOut):
        cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=VISITOR)
    assert Quota.objects.get(date=shop.date).used == 2
    assert Quota.objects.get(pk=shop.meal_quota.pk).used == 1
    with pytest.raises(SoldOut):
        cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=2),
                 visibility=VISITOR)
    assert Quota.objects.get(date=shop.date).used == 2  # the failed add took nothing


def test_hold_expires_and_releases_places_without_sleeping() -> None:
    shop = shop_create(capacity=2)
    first, second = _cart(shop), _cart(shop)
    cart_add(cart=first, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=2),
             visibility=VISITOR)
    with pytest.raises(SoldOut):
        cart_add(cart=second, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                 visibility=VISITOR)
    assert availability_for(product=shop.ticket, dates=[shop.date]) == {shop.date.pk: 0}
    with time_machine.travel(clock.now() + timedelta(minutes=61), tick=False):
        assert availability_for(product=shop.ticket, dates=[shop.date]) == {shop.date.pk: 2}
        assert cart_positions(cart=first) == []
        # the next buyer reclaims the expired places lazily, in their own transaction
        cart_add(cart=second, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                 visibility=VISITOR)
        assert Quota.objects.get(date=shop.date).used == 1
        carts_sweep_expired()
        assert not first.positions.exists()
        assert Hold.objects.filter(released_at=None).count() == 1


def test_sweeper_releases_expired_holds() -> None:
    shop = shop_create()
    cart = _cart(shop)
    cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price, quantity=3), visibility=VISITOR)
    assert Quota.objects.get(pk=shop.meal_quota.pk).used == 3
    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        assert carts_sweep_expired() == 3
    assert Quota.objects.get(pk=shop.meal_quota.pk).used == 0


def test_remove_gives_the_place_back(shop: Shop) -> None:
    cart = _cart(shop)
    [position] = cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=VISITOR)
    cart_remove(cart=cart, position_id=position.pk)
    cart_remove(cart=cart, position_id=position.pk)  # twice: nothing more happens
    assert Quota.objects.get(pk=shop.meal_quota.pk).used == 0


def test_one_membership_per_order(shop: Shop) -> None:
    cart = _cart(shop)
    cart_add(cart=cart, item=CartAdd(product=shop.membership, price=shop.member_student), visibility=VISITOR)
    with pytest.raises(InvalidInput) as err:
        cart_add(cart=cart, item=CartAdd(product=shop.membership, price=shop.member_alumni), visibility=VISITOR)
    assert err.value.code == "max_per_order"


def test_preview_price_needs_the_preview_link_or_staff(shop: Shop) -> None:
    shop.member_alumni.publication = Publication.PREVIEW
    shop.member_alumni.save()
    item = CartAdd(product=shop.membership, price=shop.member_alumni)
    with pytest.raises(InvalidInput):
        cart_add(cart=_cart(shop), item=item, visibility=VISITOR)
    cart_add(cart=_cart(shop), item=item, visibility=Visibility(preview_event_ids=frozenset({shop.memberships.pk})))
    cart_add(cart=_cart(shop), item=item, visibility=Visibility(staff=True))


def test_draft_event_and_closed_sales_are_refused(shop: Shop) -> None:
    shop.product = shop.ticket
    shop.ticket.sales_end = clock.now() - timedelta(minutes=1)
    shop.ticket.save()
    with pytest.raises(InvalidInput) as err:
        cart_add(cart=_cart(shop), item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                 visibility=VISITOR)
    assert err.value.code == "sales_closed"
    shop.event.publication = Publication.DRAFT
    shop.event.save()
    with pytest.raises(InvalidInput) as err:
        cart_add(cart=_cart(shop), item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=VISITOR)
    assert err.value.code == "not_on_sale"


@pytest.mark.parametrize("cents", [None, 0, 99, 100_001])
def test_donation_bounds(shop: Shop, cents: int | None) -> None:
    with pytest.raises(InvalidInput):
        cart_add(cart=_cart(shop), item=CartAdd(product=shop.donation, donation_cents=cents), visibility=VISITOR)
