"""Carts: what a buyer picks, each unit holding its places (through the capacity domain) until
the cart's hold duration has passed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from billetterie.capacity.services import holds_create, holds_extend, holds_reclaim_expired, holds_release, places_take
from billetterie.catalog.models import EventDate, Price, Product, ProductKind
from billetterie.catalog.selectors import Visibility, quota_ids_for, sales_open
from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.memberships.prices import MemberProof, PricedItem, attended_on, member_prices_check
from billetterie.organizers.models import Organizer

from .models import Cart, CartPosition


@dataclass(frozen=True)
class CartAdd:
    product: Product
    quantity: int = 1
    price: Price | None = None
    date: EventDate | None = None
    donation_cents: int | None = None


def cart_get_or_create(*, organizer: Organizer, token: str | None) -> Cart:
    if token:
        cart = Cart.objects.filter(organizer=organizer, token=token).first()
        if cart is not None:
            return cart
    return Cart.objects.create(organizer=organizer)


def cart_positions(*, cart: Cart) -> list[CartPosition]:
    """Live positions (not expired), with their product, price and date."""
    return list(
        cart.positions.filter(expires_at__gt=clock.now())
        .select_related("product__event", "price", "date")
        .prefetch_related("product__questions")
        .order_by("product__event__theme", "product__event__position", "product__position", "id")
    )


def item_check(*, organizer_id: int, item: CartAdd, visibility: Visibility, now: datetime, already: int = 0,
               at_door: bool = False) -> int:
    """Check one item may be sold now, `already` units of its product being in the same order;
    returns the unit amount in cents. Shared by carts and orders placed directly (API, box
    office). Online a date is sold until it starts; `at_door` (the box office) until it ends."""
    product = item.product
    event = product.event
    if event.organizer_id != organizer_id or not product.active or not visibility.sees_event(event):
        raise InvalidInput(_("This item is not on sale."), code="not_on_sale")
    if not sales_open(product=product, at=now):
        raise InvalidInput(_("Sales for “%(name)s” are not open.") % {"name": product.name}, code="sales_closed")
    if item.quantity < 1:
        raise InvalidInput(_("Choose a quantity of at least 1."), code="quantity")
    if already + item.quantity > product.order_limit:
        message = _("You can take at most %(n)d of “%(name)s” per order.")
        raise InvalidInput(message % {"n": product.order_limit, "name": product.name}, code="max_per_order")
    if product.kind == ProductKind.TICKET:
        if item.date is None or item.date.event_id != event.pk:
            raise InvalidInput(_("Choose a date."), code="date_required")
        if item.date.cancelled_at is not None:
            raise InvalidInput(_("This date has been cancelled."), code="date_cancelled")
        if not at_door and item.date.start <= now:
            raise InvalidInput(_("This date has already started."), code="date_past")
        if at_door and door_closes(item.date) <= now:
            raise InvalidInput(_("This date is over."), code="date_over")
    elif item.date is not None:
        raise InvalidInput(_("This item has no date."), code="date_unexpected")
    if product.kind == ProductKind.DONATION:
        return _validate_donation(product, item.donation_cents)
    if item.price is None or item.price.product_id != product.pk or not item.price.active:
        raise InvalidInput(_("Choose a price."), code="price_required")
    if not visibility.sees_price(item.price):
        raise InvalidInput(_("This price is not available."), code="price_hidden")
    return item.price.amount_cents


def items_member_check(*, organizer_id: int, items: Iterable[CartAdd], proof: MemberProof | None,
                       now: datetime) -> None:
    """Refuse a member price the proof does not open on the day attended (memberships.prices):
    one query for all the items, a second only when one of them is a member price."""
    member_prices_check(organizer_id=organizer_id, proof=proof, items=[
        PricedItem(item.price, item.product.name, attended_on(item.date.start if item.date else None, now))
        for item in items if item.price is not None
    ])


def door_closes(date: EventDate) -> datetime:
    """When the box office stops selling a date: its end, or for a date without one, six hours
    after it starts."""
    return date.end or date.start + timedelta(hours=6)


def _validate_donation(product: Product, cents: int | None) -> int:
    if cents is None or not product.donation_min_cents <= cents <= product.donation_max_cents:
        from billetterie.core.money import format_money

        raise InvalidInput(
            _("A donation must be between %(min)s and %(max)s.")
            % {"min": format_money(product.donation_min_cents), "max": format_money(product.donation_max_cents)},
            code="donation_amount",
        )
    return cents


def cart_add(*, cart: Cart, item: CartAdd, visibility: Visibility,
             member_proof: MemberProof | None = None) -> list[CartPosition]:
    """Add units to the cart and hold their places until the hold duration has passed. A member
    price needs `member_proof` of a membership valid on the day attended."""
    now = clock.now()
    already = cart.positions.filter(product=item.product, expires_at__gt=now).count()
    amount = item_check(organizer_id=cart.organizer_id, item=item, visibility=visibility, now=now, already=already)
    items_member_check(organizer_id=cart.organizer_id, items=[item], proof=member_proof, now=now)
    expires_at = now + timedelta(minutes=cart.organizer.hold_minutes)
    quota_ids = quota_ids_for(product=item.product, date=item.date)
    with transaction.atomic():
        # one clock for the whole cart: adding an item restarts the hold of the others too
        live = list(cart.positions.filter(expires_at__gt=now).values_list("pk", flat=True))
        cart.positions.filter(pk__in=live).update(expires_at=expires_at)
        holds_extend(position_ids=live, until=expires_at, only_unexpired_at=now)
        positions = []
        for _unit in range(item.quantity):
            position = CartPosition.objects.create(
                cart=cart, product=item.product, price=item.price, date=item.date,
                amount_cents=amount, expires_at=expires_at,
            )
            holds_create(quota_ids=quota_ids, position_id=position.pk, expires_at=expires_at)
            positions.append(position)
        # the quota rows last, so their locks are held only until the commit that follows
        places_take(quota_ids=quota_ids, count=item.quantity, now=now)
    return positions


def cart_remove(*, cart: Cart, position_id: int) -> None:
    with transaction.atomic():
        position = cart.positions.filter(pk=position_id).first()
        if position is None:
            return
        holds_release(position_ids=[position.pk])
        position.delete()


def carts_sweep_expired(*, now: datetime | None = None) -> int:
    """Periodic job: reclaim expired holds everywhere and drop expired cart positions.

    A position's holds expire with it, so once they are reclaimed the position is only a row."""
    now = now or clock.now()
    released = holds_reclaim_expired(now=now)
    CartPosition.objects.filter(expires_at__lt=now).delete()
    return released
