"""A check-in list and paid tickets, built through the public services."""

from __future__ import annotations

from billetterie.checkin.models import CheckinList
from billetterie.checkin.selectors import ListScope, checkin_list_scope
from billetterie.checkin.services import checkin_list_create
from billetterie.orders.models import OrderLine
from billetterie.tickets.signing import ticket_payload
from tests.factories import Shop
from tests.tickets.builders import order_paid


def door(shop: Shop, name: str = "Entrée principale", **kwargs: object) -> tuple[CheckinList, ListScope]:
    checkin_list = checkin_list_create(event=shop.event, name=name, **kwargs)  # type: ignore[arg-type]
    return checkin_list, checkin_list_scope(list_id=checkin_list.pk, organizer_id=shop.organizer.pk)


def tickets(shop: Shop, count: int = 1) -> list[tuple[OrderLine, str]]:
    """Paid tickets (one order) and the text of their QR codes."""
    order = order_paid(shop, tickets=count, meal=False)
    lines = list(order.lines.filter(kind="ticket").select_related("order", "product__event").order_by("id"))
    return [(line, ticket_payload(line=line)) for line in lines]
