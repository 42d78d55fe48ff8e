from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from billetterie.catalog.models import Event, EventDate, Product, ProductKind, Section
from billetterie.catalog.selectors import availability_for, quota_ids_for, quotas_available, sales_open

from .auth import TokenAuth, request_token
from .errors import ERRORS
from .models import ApiPermission
from .schemas import AvailabilityOut, DateOut, DonationOut, EventOut, PriceOut, ProductOut
from .selectors import events_of_organizer

router = Router(tags=["events"], auth=TokenAuth(ApiPermission.READ))


@router.get(
    "/events", response={200: list[EventOut], **ERRORS}, summary="Events, their products and places left"
)
def events_list(request: HttpRequest, section: Section | None = None) -> list[EventOut]:
    """Every event and membership page of the token's organiser, drafts included (see `publication`),
    with dates, products, prices in cents and the places left right now."""
    token = request_token(request)
    return [_event_out(e) for e in events_of_organizer(organizer_id=token.organizer_id, section=section)]


def _event_out(event: Event) -> EventOut:
    dates = list(event.dates.all())
    products = [_product_out(p, dates) for p in event.products.all()]
    date_left = quotas_available(quota_ids=[d.capacity_quota.pk for d in dates]) if dates else {}
    return EventOut(
        id=event.pk, slug=event.slug, title=event.title, section=event.section, theme=event.theme,
        venue=event.venue, description=event.description, publication=event.publication,
        dates=[_date_out(d, date_left) for d in dates], products=products,
    )


def _date_out(date: EventDate, left_by_quota: dict[int, int]) -> DateOut:
    """Places left on the date itself (its capacity), whatever the product."""
    left = left_by_quota.get(date.capacity_quota.pk, 0)
    return DateOut(id=date.pk, start=date.start, end=date.end, capacity=date.capacity, available=left)


def _product_out(product: Product, dates: list[EventDate]) -> ProductOut:
    left = availability_for(product=product, dates=dates)
    availability = []
    for date_id, available in left.items():
        date = next((d for d in dates if d.pk == date_id), None)
        limited = bool(quota_ids_for(product=product, date=date))
        availability.append(AvailabilityOut(date_id=date_id, available=available if limited else None))
    donation = None
    if product.kind == ProductKind.DONATION:
        donation = DonationOut(
            min_cents=product.donation_min_cents, max_cents=product.donation_max_cents,
            suggested_cents=product.suggested_amounts,
        )
    return ProductOut(
        id=product.pk, kind=product.kind, name=product.name, description=product.description,
        active=product.active, on_sale=product.active and sales_open(product=product),
        max_per_order=product.order_limit, addon_standalone=product.addon_standalone,
        sales_start=product.sales_start, sales_end=product.sales_end,
        prices=[
            PriceOut(
                id=p.pk, name=p.name, amount_cents=p.amount_cents, eligibility=p.eligibility,
                active=p.active, publication=p.publication,
            )
            for p in product.prices.all()
        ],
        availability=availability, donation=donation,
    )
