"""Many buyers at once: exactly the capacity is sold, replays make one order, a hold reclaimed while
its checkout commits is never lost. Real threads, real connections (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from billetterie.capacity.models import Hold
from billetterie.capacity.services import holds_reclaim_expired
from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.models import Quota
from billetterie.catalog.selectors import Visibility
from billetterie.core import clock
from billetterie.core.errors import DomainError
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, LineSpec, Person, order_create, order_place
from tests.factories import Shop, shop_create
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)
STAFF = Visibility(staff=True)


def _buy(shop: Shop, key: str | None = None, tickets: int = 1) -> Callable[[], Order]:
    def job() -> Order:
        lines = [
            LineSpec(CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                     Person(name="A", email="a@example.org"))
            for _ in range(tickets)
        ]
        checkout = Checkout(email="a@example.org", name="A", terms_accepted=True)
        order, _created = order_create(organizer=shop.organizer, lines=lines, checkout=checkout, visibility=STAFF,
                                       channel="api", idempotency_key=key, request_hash="same")
        return order

    return job


def _assert_consistent(shop: Shop) -> None:
    quota = Quota.objects.get(date=shop.date)
    active = Hold.objects.filter(quota=quota, released_at=None).count()
    assert quota.used == active <= quota.size


def test_last_seats_are_sold_exactly_once() -> None:
    shop = shop_create(capacity=7)
    results = run_together([_buy(shop) for _ in range(20)])
    sold = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(sold) == 7 and len(refused) == 13, [type(r) for r in results]
    assert all(r.code == "sold_out" for r in refused)
    assert Order.objects.count() == 7
    _assert_consistent(shop)


def test_multi_seat_orders_never_oversell() -> None:
    shop = shop_create(capacity=10)
    results = run_together([_buy(shop, tickets=3) for _ in range(8)])
    assert len([r for r in results if isinstance(r, Order)]) == 3  # 9 seats, the 10th cannot make a trio
    assert Quota.objects.get(date=shop.date).used == 9
    _assert_consistent(shop)


def test_racing_replays_of_one_key_make_one_order() -> None:
    shop = shop_create(capacity=50)
    results = run_together([_buy(shop, key="same-key", tickets=2) for _ in range(10)])
    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1 and Quota.objects.get(date=shop.date).used == 2
    _assert_consistent(shop)


def test_hold_reclaimed_while_its_checkout_commits() -> None:
    """The sweeper and the buyer race on an expired hold: the order keeps its seat, or fails
    cleanly — never an order without its seat, never a seat counted twice."""
    for attempt in range(6):
        shop = shop_create(slug=f"race{attempt}", capacity=1)
        cart = Cart.objects.create(organizer=shop.organizer)
        cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date),
                 visibility=Visibility())
        people = {p.pk: Person(name="A", email="a@example.org") for p in cart.positions.all()}
        checkout = Checkout(email="a@example.org", name="A", terms_accepted=True, people=people)
        with time_machine.travel(clock.now() + timedelta(minutes=61), tick=True):
            results = run_together([
                lambda cart=cart, checkout=checkout: order_place(cart_token=cart.token, checkout=checkout),
                lambda shop=shop: holds_reclaim_expired(quota_id=Quota.objects.get(date=shop.date).pk),
            ])
        order = results[0]
        if isinstance(order, Order):  # the seat was taken again, and is held by the order
            assert Hold.objects.filter(line__order=order, released_at=None).count() == 1
            assert order.state == OrderState.PENDING
        else:  # the sweeper was releasing that very seat: a clean refusal, the seat is free again
            assert isinstance(order, DomainError) and order.code == "sold_out", results
            assert not Order.objects.filter(organizer=shop.organizer).exists()
            assert Quota.objects.get(date=shop.date).used == 0
        _assert_consistent(shop)


def test_payment_confirmed_at_the_due_time_keeps_its_seat_against_the_sweeper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """order_mark_paid reads "still held" 1 ms before the due time; the sweeper releases the hold
    1 ms after it, before the payment's transaction writes: the paid order must keep (or take
    again) its seat, never be paid with none while the seat is sold to someone else."""
    from billetterie.orders import services as order_services

    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the payment's BEGIN IMMEDIATE keeps the sweeper out until it commits")

    shop = shop_create(slug="due", capacity=1)
    order = _buy(shop)()
    due = order.expires_at
    assert due is not None
    sweeper_released: list[object] = []

    class EdgeClock:
        calls = 0

        def now(self) -> object:
            EdgeClock.calls += 1
            if EdgeClock.calls == 1:  # the "still held" check: the sweeper runs right after it
                late = due + timedelta(milliseconds=1)
                sweeper_released.extend(run_together([lambda: holds_reclaim_expired(now=late)]))
                return due - timedelta(milliseconds=1)
            return clock.now()

    monkeypatch.setattr(order_services, "clock", EdgeClock())
    assert order_services.order_mark_paid(order_id=order.pk)
    monkeypatch.undo()
    assert sweeper_released == [1]  # the race happened: the hold was released under the payment
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Hold.objects.filter(line__order=order, released_at=None).count() == 1
    _assert_consistent(shop)
    with pytest.raises(DomainError):  # capacity 1, sold: a second buyer is refused
        _buy(shop)()
