"""What orders tell the domains above them (core/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrderPaid(DomainEvent):
    """The order is paid and its places are its own: its tickets are valid, its confirmation is due."""

    name = "order.paid"
    order_id: int
    send_confirmation: bool = True


@dataclass(frozen=True, kw_only=True)
class OrderKeptPartPaid(DomainEvent):
    """A part-paid order reached its due time: it keeps its places with no due time, and staff
    must record the rest or refund it (`kept_cents`: what it holds)."""

    name = "order.kept_part_paid"
    order_id: int
    kept_cents: int


@dataclass(frozen=True, kw_only=True)
class OrderRefunded(DomainEvent):
    """Everything the order received was given back (or is being): it is refunded, its tickets no
    longer admit anywhere (check-in, PDFs and wallet passes admit only paid orders), and its places
    were given back to sale when staff chose so (`places_released`)."""

    name = "order.refunded"
    order_id: int
    places_released: bool


@dataclass(frozen=True, kw_only=True)
class OrderLineRefunded(DomainEvent):
    """A refund covers one line of a paid order (a ticket, a meal…): its ticket must stop admitting
    (the tickets domain revokes it) and its places were given back to sale when staff chose so."""

    name = "order.line_refunded"
    order_id: int
    line_id: int
    places_released: bool


@dataclass(frozen=True, kw_only=True)
class OrderStateChanged(DomainEvent):
    """An order changed state (placed, paid, cancelled, expired, refunded…), published in the
    transaction of the change for the in-transaction subscribers (the books)."""

    name = "order.state_changed"
    order_id: int
    organizer_id: int
    was: str
    state: str
