"""Self-service (issue 12, item 9): the deadlines until which a buyer may cancel their order or
change an attendee's name themselves, from the event's settings (`Event.self_cancel_days`,
`Event.self_rename`).

The rule, in one sentence a buyer understands: a date's deadline is its start minus N days, at
the same wall-clock time in the organiser's time zone (20:00 stays 20:00 across a change to
summer time); an order spread over several dates is cancelled as a whole, so its earliest date
decides. What the payments allow (a card refunded automatically, or not) is the payments
domain's part (`payments.self_service`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from billetterie.catalog.models import EventDate, ProductKind

from .models import OrderLine


def date_deadline(*, start: datetime, days: int) -> datetime:
    """`days` days before `start`, at the same wall-clock time in the site's time zone."""
    local = timezone.localtime(start)
    return timezone.make_aware(local.replace(tzinfo=None) - timedelta(days=days))


def order_cancel_deadline(*, lines: Iterable[OrderLine]) -> datetime | None:
    """Until when the buyer may cancel an order of these lines (`product__event` and `date`
    fetched), or None when its events do not let buyers cancel: one of them says no, or it holds
    a membership (a member's record, cancelled by the organiser only), or nothing in it is dated.
    The earliest date decides."""
    lines = list(lines)
    if not lines or any(line.kind == ProductKind.MEMBERSHIP for line in lines):
        return None
    if any(line.product.event.self_cancel_days is None for line in lines):
        return None
    deadlines = [date_deadline(start=line.date.start, days=line.product.event.self_cancel_days or 0)
                 for line in lines if line.date is not None]
    return min(deadlines, default=None)


def line_rename_deadline(*, line: OrderLine, date: EventDate | None = None) -> datetime | None:
    """Until when the buyer may change the name on a ticket of an event that allows it: the same
    N days before its date as cancelling (its start when buyers may not cancel). None: no deadline
    (a ticket with no date). Callers check `line_renamable` first."""
    date = date or line.date
    if date is None:
        return None
    return date_deadline(start=date.start, days=line.product.event.self_cancel_days or 0)


def line_renamable(*, line: OrderLine) -> bool:
    """Whether the event of this line lets buyers change the name on it (a ticket only)."""
    return line.kind == ProductKind.TICKET and line.product.event.self_rename
