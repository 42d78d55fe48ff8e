"""Member prices kept with the catalogue's cached reads (settings.CATALOG_CACHE): the rush path
asks for them once per catalogue version, and a price reserved to members — or opened to all
again, by the back office's service or in the admin — takes effect at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billetterie.core.errors import InvalidInput
from billetterie.memberships.models import PriceRequirement
from billetterie.memberships.prices import price_requirement_set
from tests.factories import Shop
from tests.memberships.test_member_prices import _add, _member_price, _type

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalog_cache(settings: object) -> None:
    settings.CATALOG_CACHE = True  # type: ignore[attr-defined]


def test_rules_are_read_once_per_catalogue_version(shop: Shop) -> None:
    _add(shop, shop.adult, None)  # warms the organiser's (empty) rules
    with CaptureQueriesContext(connection) as queries:
        _add(shop, shop.adult, None)
    assert not [q for q in queries.captured_queries if "memberships_pricerequirement" in q["sql"]]


def test_a_new_member_price_is_enforced_at_once(shop: Shop) -> None:
    annual = _type(shop)
    _add(shop, shop.adult, None)
    price = _member_price(shop)  # on sale to all, read and kept
    _add(shop, price, None)
    price_requirement_set(price=price, type_ids=[annual.pk])
    with pytest.raises(InvalidInput):
        _add(shop, price, None)


def test_a_member_price_removed_in_the_admin_opens_at_once(shop: Shop) -> None:
    annual = _type(shop)
    price = _member_price(shop, annual)
    with pytest.raises(InvalidInput):
        _add(shop, price, None)
    PriceRequirement.objects.get(price=price).delete()  # what the admin does
    _add(shop, price, None)


def test_types_changed_through_the_relation_take_effect_at_once(shop: Shop) -> None:
    annual, patron = _type(shop), _type(shop, "Bienfaiteur")
    price = _member_price(shop, annual)
    requirement = PriceRequirement.objects.get(price=price)
    requirement.types.clear()  # no types: any membership opens it — still a member price
    requirement.types.add(patron)
    with pytest.raises(InvalidInput):
        _add(shop, price, None)
