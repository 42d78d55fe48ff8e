"""Cached catalogue reads are dropped as soon as the catalogue changes (decision 0007)."""

from __future__ import annotations

from typing import Any

import pytest

from billetterie.catalog import selectors
from billetterie.catalog.selectors import catalog_refs
from tests.factories import Shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    settings.CATALOG_CACHE = True
    selectors._refs_cache.clear()


def _refs(shop: Shop) -> selectors.CatalogRefs:
    return catalog_refs(organizer_id=shop.organizer.pk, product_ids={shop.ticket.pk}, price_ids={shop.adult.pk},
                        date_ids={shop.date.pk})


def test_cached_until_the_catalogue_changes(shop: Shop, django_assert_num_queries: Any) -> None:
    first = _refs(shop)
    with django_assert_num_queries(0):
        assert _refs(shop) is first
    shop.adult.amount_cents = 1700
    shop.adult.save()
    assert _refs(shop).prices[shop.adult.pk].amount_cents == 1700


@pytest.mark.parametrize("change", ["deactivate", "quota_link", "date", "delete_price"])
def test_every_kind_of_change_drops_the_cache(shop: Shop, change: str) -> None:
    first = _refs(shop)
    if change == "deactivate":
        shop.ticket.active = False
        shop.ticket.save()
    elif change == "quota_link":
        shop.ticket.quotas.add(shop.meal_quota)
    elif change == "date":
        shop.date.capacity = 5
        shop.date.save()
    else:
        from billetterie.catalog.models import Price

        Price.objects.create(product=shop.ticket, name="Réduit", amount_cents=500).delete()
    assert _refs(shop) is not first


def test_off_without_a_shared_cache(shop: Shop, settings: Any, django_assert_num_queries: Any) -> None:
    settings.CATALOG_CACHE = False
    _refs(shop)
    with django_assert_num_queries(5):
        _refs(shop)
