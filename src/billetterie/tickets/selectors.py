"""Reads of ticket signing data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billetterie.catalog.models import Event
from billetterie.core.errors import NotFound
from billetterie.orders.models import Order, OrderState
from billetterie.orders.selectors import order_money

from .models import EventKey


def event_public_key(*, event_id: int) -> bytes:
    """The raw 32-byte Ed25519 public key scanners verify this event's tickets with.

    Raises NotFound when the event has no key yet: it is made with the first ticket sold, or
    ahead of time by tickets.services.event_key_get_or_create."""
    public_key = EventKey.objects.filter(event_id=event_id).values_list("public_key", flat=True).first()
    if public_key is None:
        raise NotFound(_("This event has no ticket signing key yet."), code="no_event_key")
    return bytes(public_key)


def revoked_nonces_of_event(*, event_id: int) -> list[tuple[int, str]]:
    """(line id, nonce hex) of the reissued tickets' old payloads, for the offline scanners."""
    from .models import RevokedTicket

    rows = RevokedTicket.objects.filter(line__product__event_id=event_id).values_list("line_id", "nonce")
    return [(line_id, bytes(nonce).hex()) for line_id, nonce in rows]


_public_keys: dict[int, bytes] = {}


def event_public_key_cached(*, event_id: int) -> bytes:
    """event_public_key, remembered by the process: an event's key pair never changes."""
    key = _public_keys.get(event_id)
    if key is None:
        key = event_public_key(event_id=event_id)
        _public_keys[event_id] = key
    return key


def public_keys_cache_clear() -> None:
    _public_keys.clear()


def ticket_layout_for(*, event: Event) -> str | None:
    """The organiser's layout for this event (its own, else the organiser's), or None (ours)."""
    from django.db.models import Q

    from .models import TicketLayout

    rows = list(
        TicketLayout.objects.filter(Q(event=event) | Q(event=None), organizer_id=event.organizer_id)
        .values_list("event_id", "html")
    )
    own = [html for event_id, html in rows if event_id is not None]
    default = [html for event_id, html in rows if event_id is None]
    chosen = own or default
    return chosen[0] if chosen else None


def order_tickets_valid(*, order: Order) -> bool:
    """Whether the order's tickets admit: the order is paid and not refunded in full (asked of the
    payments domain through the orders port)."""
    return order.state == OrderState.PAID and not order_money(order=order).refunded_in_full
