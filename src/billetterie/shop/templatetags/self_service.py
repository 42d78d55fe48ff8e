"""The order page's self-service box (issue 12, item 9): what the buyer may still do with their
order (cancel it, change the name on a ticket) and until when; and the deadline's wording,
« 12 mars 2027 à 20 h 00 »."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billetterie.catalog.models import ProductKind
from billetterie.orders.models import Order, OrderLine
from billetterie.payments.self_service import TOO_LATE, SelfCancelKind, order_self_cancel_offer
from billetterie.tickets.self_service import ticket_self_rename_deadline, ticket_self_rename_open

register = template.Library()


def deadline_text(when: datetime) -> str:
    """A deadline as a buyer reads it, in the site's time zone: « 12 mars 2027 à 20 h 00 »."""
    local = timezone.localtime(when)
    # Django's time format letters: French writes the hour « 20 h 00 »
    time = date_format(local, pgettext("time of a deadline, Django date format", "P"))
    return _("%(date)s at %(time)s") % {"date": date_format(local, "DATE_FORMAT"), "time": time}


def refusal_text(message: str, code: str, deadline: datetime | None) -> str:
    """Why the order cannot be cancelled, with the deadline when it has passed."""
    if code == TOO_LATE and deadline is not None:
        return _("The deadline to cancel this order has passed: it could be cancelled until %(deadline)s.") % {
            "deadline": deadline_text(deadline)}
    return message


@register.filter
def deadline(when: datetime | None) -> str:
    return deadline_text(when) if when is not None else ""


@register.inclusion_tag("shop/_self_service.html")
def self_service_box(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    offer = order_self_cancel_offer(order=order)
    renamable = []
    for line in lines:
        if line.kind == ProductKind.TICKET:
            line.order = order  # fetched already: no query per line
            if ticket_self_rename_open(line=line):
                renamable.append((line, ticket_self_rename_deadline(line=line)))
    return {
        "order": order, "offer": offer, "refund": offer.kind == SelfCancelKind.REFUND,
        "unpaid": offer.kind == SelfCancelKind.UNPAID, "renamable": renamable,
        "refusal": refusal_text(offer.refusal, offer.refusal_code, offer.deadline),
    }
