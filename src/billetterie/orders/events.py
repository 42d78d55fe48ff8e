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
