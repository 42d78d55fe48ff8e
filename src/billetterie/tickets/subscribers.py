"""What the tickets domain does when the orders domain reports something (core/events.py)."""

from __future__ import annotations

from billetterie.core import events
from billetterie.orders.events import OrderLineRefunded

from .services import REVOKED_REFUNDED, ticket_revoke


def _line_refunded(event: OrderLineRefunded) -> None:
    """A refund covered one line: its ticket (if it is one) stops admitting. A full refund needs
    nothing here: an order no longer paid admits nowhere."""
    ticket_revoke(line_id=event.line_id, reason=REVOKED_REFUNDED)


def register() -> None:
    events.subscribe(OrderLineRefunded, "tickets.revoke_refunded_line", _line_refunded)
