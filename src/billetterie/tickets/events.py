"""What tickets tell the domains above them (core/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from billetterie.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TicketReissued(DomainEvent):
    """A ticket got a new nonce (its old PDF and QR no longer admit); `notify_buyer` asks for the email."""

    name = "ticket.reissued"
    line_id: int
    notify_buyer: bool = False
