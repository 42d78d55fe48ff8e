"""At the box office a date is sold until it ends (late arrivals), online until it starts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from billetterie.cart.services import CartAdd, item_check
from billetterie.catalog.selectors import Visibility
from billetterie.core.errors import InvalidInput
from tests.factories import Shop

pytestmark = pytest.mark.django_db


def _check(shop: Shop, *, at_door: bool, hours_after_start: float) -> int:
    item = CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=1)
    now = shop.date.start + timedelta(hours=hours_after_start)
    with time_machine.travel(now):
        return item_check(organizer_id=shop.organizer.pk, item=item, visibility=Visibility(), now=now,
                          at_door=at_door)


def test_a_started_date_is_sold_at_the_door_until_it_ends(shop: Shop) -> None:
    assert _check(shop, at_door=True, hours_after_start=1) == shop.adult.amount_cents
    with pytest.raises(InvalidInput) as online:
        _check(shop, at_door=False, hours_after_start=1)
    assert online.value.code == "date_past"
    with pytest.raises(InvalidInput) as over:
        _check(shop, at_door=True, hours_after_start=6.5)  # the shop's date ends 6 hours after it starts
    assert over.value.code == "date_over"


def test_a_date_without_an_end_closes_at_the_door_six_hours_after_it_starts(shop: Shop) -> None:
    shop.date.end = None
    shop.date.save(update_fields=["end"])
    assert _check(shop, at_door=True, hours_after_start=5.9) == shop.adult.amount_cents
    with pytest.raises(InvalidInput):
        _check(shop, at_door=True, hours_after_start=6)
