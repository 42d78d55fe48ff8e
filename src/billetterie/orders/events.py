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
