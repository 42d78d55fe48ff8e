"""Tickets numbered under concurrency (decision 0028): many orders of one event paid at the same
moment get the numbers 1 to N with no gap nor duplicate, and the rush path (free tickets placed,
paid orders confirmed, all at once) still serves every buyer. Real threads, real connections
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from billetterie.capacity.models import Hold
from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.models import Quota
from billetterie.catalog.selectors import Visibility
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, LineSpec, Person, order_create, order_place
from billetterie.payments.services import payment_record_external
from billetterie.tickets.models import TicketNumber
from tests.factories import Shop, order_placed, shop_create
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)
PAYERS = 24


def _pay(order_id: int, amount_cents: int) -> Callable[[], object]:
    return lambda: payment_record_external(order_id=order_id, method="cash", amount_cents=amount_cents)


def _numbers(shop: Shop) -> list[int]:
    return sorted(TicketNumber.objects.filter(event=shop.event, testmode=False).values_list("number", flat=True))


def test_orders_paid_at_once_get_1_to_n() -> None:
    shop = shop_create(capacity=200)
    orders = [order_placed(shop, tickets=1 + i % 2, meals=0, channel="api") for i in range(PAYERS)]
    results = run_together([_pay(order.pk, order.total_cents) for order in orders])
    assert not [r for r in results if isinstance(r, Exception)], results
    tickets = sum(1 + i % 2 for i in range(PAYERS))
    assert _numbers(shop) == list(range(1, tickets + 1))
    # each order's tickets are consecutive: one transaction took them one after the other
    for order in orders:
        mine = sorted(TicketNumber.objects.filter(line__order=order).values_list("number", flat=True))
        assert mine == list(range(mine[0], mine[0] + len(mine)))


def _free_api_buyer(shop: Shop, i: int) -> Callable[[], Order]:
    def job() -> Order:
        order, _created = order_create(
            organizer=shop.organizer, visibility=Visibility(staff=True), channel="api",
            lines=[LineSpec(CartAdd(product=shop.ticket, price=shop.student, date=shop.date),
                            Person(name=f"Invité {i}", email=f"i{i}@example.org"))],
            checkout=Checkout(email=f"i{i}@example.org", name=f"Invité {i}", terms_accepted=True),
        )
        return order

    return job


def _free_web_buyer(cart_token: str, person_ids: list[int], i: int) -> Callable[[], Order]:
    def job() -> Order:
        people = {pk: Person(name=f"Web {i}", email=f"w{i}@example.org") for pk in person_ids}
        return order_place(cart_token=cart_token, checkout=Checkout(
            email=f"w{i}@example.org", name=f"Web {i}", terms_accepted=True, people=people))

    return job


def test_the_rush_still_serves_every_buyer() -> None:
    """Free tickets placed on the web and through the API, and paid orders confirmed, all at the
    same moment: every buyer gets their order, every ticket one number, the numbers 1 to N."""
    shop = shop_create(capacity=500)
    shop.student.amount_cents = 0  # an invitation: paid at once when placed
    shop.student.save(update_fields=["amount_cents"])
    pending = [order_placed(shop, tickets=2, meals=0, channel="api") for _ in range(8)]
    carts = []
    for _ in range(8):
        cart = cart_get_or_create(organizer=shop.organizer, token=None)
        positions = cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.student, date=shop.date),
                             visibility=Visibility())
        carts.append((cart.token, [p.pk for p in positions]))
    jobs = [_pay(order.pk, order.total_cents) for order in pending]
    jobs += [_free_api_buyer(shop, i) for i in range(8)]
    jobs += [_free_web_buyer(token, ids, i) for i, (token, ids) in enumerate(carts)]
    results = run_together(jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Order.objects.filter(state=OrderState.PAID).count() == 24
    assert _numbers(shop) == list(range(1, 8 * 2 + 8 + 8 + 1))
    quota = Quota.objects.get(date=shop.date)
    assert quota.used == Hold.objects.filter(quota=quota, released_at=None).count() == 32
