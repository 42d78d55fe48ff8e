"""Reads of the catalogue: what is visible and buyable, and how many places remain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Prefetch, Q, QuerySet

from billetterie.core import clock

from .models import Event, EventDate, Price, Product, ProductKind, Publication, Quota


@dataclass(frozen=True)
class Visibility:
    """Which unpublished things this visitor may see: staff, or holders of a preview link."""

    staff: bool = False
    preview_event_ids: frozenset[int] = frozenset()

    def sees_event(self, event: Event) -> bool:
        if event.publication == Publication.PUBLISHED:
            return True
        if event.publication == Publication.PREVIEW:
            return self.staff or event.pk in self.preview_event_ids
        return False

    def sees_price(self, price: Price) -> bool:
        if price.publication == Publication.PUBLISHED:
            return True
        if price.publication == Publication.PREVIEW:
            return self.staff or price.product.event_id in self.preview_event_ids
        return False


def events_visible(*, organizer_id: int, visibility: Visibility, section: str | None = None) -> list[Event]:
    """Ordered by theme, then event, as the shop lists them (seed 004)."""
    qs = Event.objects.filter(organizer_id=organizer_id).exclude(publication=Publication.DRAFT)
    if section:
        qs = qs.filter(section=section)
    qs = qs.prefetch_related(Prefetch("dates", queryset=EventDate.objects.order_by("start")))
    return [e for e in qs.order_by("theme", "position", "title") if visibility.sees_event(e)]


def products_of_event(*, event: Event, visibility: Visibility) -> list[Product]:
    """Active products in display order, each with `visible_prices` set."""
    products = list(
        event.products.filter(active=True)
        .prefetch_related(
            Prefetch("prices", queryset=Price.objects.filter(active=True).order_by("position", "id")),
            "questions",
            "quotas",
        )
        .order_by("position", "id")
    )
    for product in products:
        product.visible_prices = [p for p in product.prices.all() if visibility.sees_price(p)]  # type: ignore[attr-defined]
    return [p for p in products if p.kind == ProductKind.DONATION or p.visible_prices]  # type: ignore[attr-defined]


def sales_open(*, product: Product, at: datetime | None = None) -> bool:
    at = at or clock.now()
    if product.sales_start and at < product.sales_start:
        return False
    return not (product.sales_end and at >= product.sales_end)


def quota_ids_for(*, product: Product, date: EventDate | None) -> list[int]:
    """The quotas one unit takes: the product's own, and the date's capacity for a ticket."""
    ids = [q.pk for q in product.quotas.all()]
    if date is not None:
        ids.append(date.capacity_quota.pk)
    return sorted(set(ids))


def quotas_available(*, quota_ids: Iterable[int]) -> dict[int, int]:
    """Places left per quota, counting places held by expired, not yet reclaimed holds as free."""
    now = clock.now()
    ids = list(quota_ids)
    expired = Count("holds", filter=Q(holds__released_at=None, holds__expires_at__lt=now))
    rows: QuerySet[Quota] = Quota.objects.filter(pk__in=ids).annotate(expired=expired)
    return {q.pk: max(0, q.size - q.used + q.expired) for q in rows}  # type: ignore[attr-defined]


def availability_for(*, product: Product, dates: list[EventDate]) -> dict[int | None, int]:
    """Places left for a product, per date (key None when the product has no dates)."""
    keys: list[EventDate | None] = list(dates) if product.kind == ProductKind.TICKET and dates else [None]
    all_ids: set[int] = set()
    per_key: dict[int | None, list[int]] = {}
    for date in keys:
        ids = quota_ids_for(product=product, date=date)
        per_key[date.pk if date else None] = ids
        all_ids.update(ids)
    left = quotas_available(quota_ids=all_ids)
    unlimited = 10_000
    return {key: min((left.get(i, 0) for i in ids), default=unlimited) for key, ids in per_key.items()}


@dataclass(frozen=True)
class CatalogRefs:
    """Products, prices and dates of one organiser, looked up by id in three queries."""

    products: dict[int, Product]
    prices: dict[int, Price]
    dates: dict[int, EventDate]


def catalog_refs(*, organizer_id: int, product_ids: set[int], price_ids: set[int], date_ids: set[int]) -> CatalogRefs:
    """With a shared cache (settings.CATALOG_CACHE), kept in this process until the organiser's
    catalogue changes: a sell-out rush asks for the same few products thousands of times."""
    if not settings.CATALOG_CACHE:
        return _catalog_refs_query(organizer_id, product_ids, price_ids, date_ids)
    key = (organizer_id, catalog_version(organizer_id=organizer_id), frozenset(product_ids), frozenset(price_ids),
           frozenset(date_ids))
    refs = _refs_cache.get(key)
    if refs is None:
        refs = _catalog_refs_query(organizer_id, product_ids, price_ids, date_ids)
        if len(_refs_cache) >= 512:
            _refs_cache.clear()
        _refs_cache[key] = refs
    return refs


_refs_cache: dict[tuple[object, ...], CatalogRefs] = {}


def catalog_version(*, organizer_id: int) -> int:
    """Bumped by every change to the organiser's catalogue (catalog.signals)."""
    return int(cache.get_or_set(f"catalog-version:{organizer_id}", 1, timeout=None) or 1)


def _catalog_refs_query(organizer_id: int, product_ids: set[int], price_ids: set[int],
                        date_ids: set[int]) -> CatalogRefs:
    products = Product.objects.filter(pk__in=product_ids, event__organizer_id=organizer_id).select_related("event")
    products = products.prefetch_related("quotas", "questions")
    prices = Price.objects.filter(pk__in=price_ids, product__event__organizer_id=organizer_id)
    dates = EventDate.objects.filter(pk__in=date_ids, event__organizer_id=organizer_id).select_related(
        "capacity_quota"
    )
    return CatalogRefs(
        products={p.pk: p for p in products}, prices={p.pk: p for p in prices}, dates={d.pk: d for d in dates}
    )


# --- what the back office's catalogue shows to staff (every page, draft or not) --------------------


def events_for_staff(*, organizer_id: int) -> list[Event]:
    """Every event and membership page of the organiser, each with `next_start` (its next date
    to come, or None), as the shop orders them."""
    upcoming = Min("dates__start", filter=Q(dates__start__gte=clock.now()))
    qs = Event.objects.filter(organizer_id=organizer_id).annotate(next_start=upcoming)
    return list(qs.order_by("section", "theme", "position", "title"))


def event_dates_for_staff(*, event: Event) -> list[EventDate]:
    """The event's dates, each with `capacity_quota` (its places sold or held: `used`)."""
    return list(event.dates.select_related("capacity_quota").order_by("start"))


def event_products_for_staff(*, event: Event) -> list[Product]:
    """Every product of the event, on sale or not, with `sales` (order lines, whatever their
    state: a product or price with any can only be deactivated), its prices (each with `sales`),
    questions and quotas."""
    prices = Price.objects.annotate(sales=Count("order_lines")).order_by("position", "id")
    return list(
        event.products.annotate(sales=Count("order_lines"))
        .prefetch_related(Prefetch("prices", queryset=prices), "questions", "quotas")
        .order_by("position", "id")
    )


def event_quotas_for_staff(*, event: Event) -> list[Quota]:
    """The event's own quotas (not the dates' capacities), with their products."""
    return list(event.quotas.filter(date=None).prefetch_related("products").order_by("name", "id"))
