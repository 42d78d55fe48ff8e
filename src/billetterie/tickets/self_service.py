"""A buyer changes the name on one of their tickets (issue 12, item 9), when its event allows it
(`Event.self_rename`) and before the date's deadline (`orders.self_service.line_rename_deadline`:
the same N days before the date as cancelling, its start when cancelling is off). The change is
staff's own (`ticket_attendee_change`): audited, the ticket reissued (its old QR, PDF and wallet
pass refused), the new one emailed to the buyer. Counted per order, so that a leaked link cannot
reissue a ticket over and over."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.errors import Conflict, NotFound
from billetterie.core.ratelimit import Limit, bump, refusal
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.self_service import line_renamable, line_rename_deadline

from .services import ticket_attendee_change

# a buyer fixing a typo, then another: a few changes an hour per order
RENAME_LIMIT = Limit("self-rename", per_window=5, window_seconds=3600)


def ticket_self_rename_deadline(*, line: OrderLine) -> datetime | None:
    """Until when the buyer may rename this line's ticket (None: no deadline)."""
    return line_rename_deadline(line=line)


def ticket_self_rename_open(*, line: OrderLine) -> bool:
    """Whether the order's page offers to change the name on this line now (`product__event`,
    `date` and `order` fetched)."""
    if line.order.state != OrderState.PAID or not line.ticket_nonce or not line_renamable(line=line):
        return False
    deadline = line_rename_deadline(line=line)
    return deadline is None or clock.now() < deadline


def ticket_self_rename(*, order: Order, line_id: int, name: str, email: str,
                       expected_name: str | None = None) -> OrderLine:
    """The buyer of `order` (proved by its secret link) gives the ticket of `line_id` to `name`
    <`email`>. NotFound for a line of another order; Conflict when the event does not allow it,
    the deadline has passed or the ticket cannot be reissued; RateLimited past a few an hour."""
    line = (OrderLine.objects.select_related("order", "product__event", "date")
            .filter(pk=line_id, order_id=order.pk).first())
    if line is None:
        raise NotFound(_("This ticket is not part of this order."), code="line_unknown")
    if not line_renamable(line=line):
        raise Conflict(_("The name on this ticket cannot be changed online."), code="rename_not_allowed")
    if line.order.state != OrderState.PAID or not line.ticket_nonce:
        raise Conflict(_("This ticket is no longer valid: its name cannot be changed."), code="ticket_not_valid")
    if not ticket_self_rename_open(line=line):
        raise Conflict(_("The name on this ticket can no longer be changed: the deadline has passed."),
                       code="rename_too_late")
    if bump(RENAME_LIMIT, str(order.pk)) > RENAME_LIMIT.per_window:
        raise refusal(RENAME_LIMIT, _("Too many changes to this order: wait an hour and try again."))
    return ticket_attendee_change(line_id=line.pk, name=name, email=email, expected_name=expected_name,
                                  notify_buyer=True)
