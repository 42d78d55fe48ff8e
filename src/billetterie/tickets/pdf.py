"""Ticket PDFs: one A6 page per ticket, rendered from an HTML template with weasyprint."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import segno
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from billetterie.catalog.models import EventDate, ProductKind
from billetterie.core.errors import Conflict
from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderLine
from billetterie.payments.selectors import refunded_line_ids

from .layout import data_only_url_fetcher, layout_render
from .models import TicketNumber
from .selectors import order_tickets_valid, ticket_layout_for
from .signing import ticket_payload

EVENT_TIME_ZONE = ZoneInfo("Europe/Paris")
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def _qr_data_uri(payload: str) -> str:
    qr = segno.make(payload, error="m", mode="alphanumeric", micro=False, boost_error=False)
    return qr.svg_data_uri(border=4, dark="#000", light="#fff")


def _addons_of(line: OrderLine, refunded: set[int] | None) -> list[tuple[str, str]]:
    """(add-on, choice) of what was bought for this ticket's attendee (« Repas », « Menu enfant »),
    the refunded ones left out. `refunded`: the order's refunded line ids, when already read."""
    if line.kind != ProductKind.TICKET:
        return []
    addons = sorted(line.addons.all(), key=lambda addon: addon.pk)  # prefetched for a whole order
    if not addons:
        return []
    if refunded is None:
        refunded = refunded_line_ids(order=line.order)
    return [(addon.product.name, addon.price.name if addon.price else addon.label)
            for addon in addons if addon.pk not in refunded]


def _date_of(line: OrderLine) -> EventDate | None:
    """The ticket's date; an add-on's voucher has none of its own: its event's, when it has one."""
    if line.date is not None or line.kind != ProductKind.ADDON:
        return line.date
    dates = list(line.product.event.dates.all()[:2])
    return dates[0] if len(dates) == 1 else None


def _number_text(line: OrderLine) -> str:
    """The ticket's number in its event's series, as printed (000123; decision 0028), or ""."""
    try:
        return line.ticket_number.text
    except TicketNumber.DoesNotExist:
        return ""


def _context(line: OrderLine, refunded: set[int] | None = None) -> dict[str, Any]:
    order = line.order
    event = line.product.event
    date = _date_of(line)
    start = localtime(date.start, EVENT_TIME_ZONE) if date is not None else None
    end = localtime(date.end, EVENT_TIME_ZONE) if date is not None and date.end else None
    return {
        "is_voucher": line.kind == ProductKind.ADDON,
        "addons": _addons_of(line, refunded),
        "line": line,
        "order": order,
        "organizer": order.organizer,
        "event": event,
        "date_text": date_format(start, "DATE_FORMAT") if start else "",
        "start_time": date_format(start, "TIME_FORMAT") if start else "",
        "end_time": date_format(end, "TIME_FORMAT") if end and start and end.date() == start.date() else "",
        "price_text": format_money(line.amount_cents, order.currency),
        "serial": line.serial,
        "ticket_number": _number_text(line),
        "qr_uri": _qr_data_uri(ticket_payload(line=line)),
    }


def _layout_values(context: dict[str, Any]) -> dict[str, str]:
    line, order, organizer, event = context["line"], context["order"], context["organizer"], context["event"]
    return {
        "organizer_name": organizer.name, "organizer_legal_name": organizer.legal_name or organizer.name,
        "organizer_address": organizer.address, "event_title": event.title, "event_date": context["date_text"],
        "start_time": context["start_time"], "end_time": context["end_time"], "venue": event.venue,
        "price_category": line.label, "price_paid": context["price_text"], "serial": context["serial"],
        "ticket_number": context["ticket_number"],
        "order_code": order.code, "attendee_name": line.attendee_name or order.name,
        "addons": " · ".join(_("%(addon)s: %(choice)s") % {"addon": addon, "choice": choice}
                             for addon, choice in context["addons"]),
    }


def _render(line: OrderLine, layout: str | None = None, refunded: set[int] | None = None) -> bytes:
    """One ticket page (or an add-on's voucher): the organiser's layout (sandboxed, see layout.py) or ours."""
    from weasyprint import HTML  # heavy import, only where PDFs are made

    context = _context(line, refunded)
    if layout:
        alt = escape(_("Ticket QR code"))
        qr_img = f'<img src="{context["qr_uri"]}" alt="{alt}" style="width:44mm;height:44mm">'
        html = layout_render(layout, _layout_values(context), qr_img=qr_img)
        if line.order.testmode:
            html = _with_test_mark(html)
    else:
        html = render_to_string("tickets/ticket.html", context)
    return HTML(string=html, url_fetcher=data_only_url_fetcher()).write_pdf()


def _with_test_mark(html: str) -> str:
    """A test order's ticket says so whatever the organiser's layout (decision 0010): our mark
    first in the body (a banner above the layout, and a watermark across it)."""
    mark = render_to_string("tickets/_test_mark.html")
    body = _BODY_TAG.search(html)
    return html[:body.end()] + mark + html[body.end():] if body else mark + html


def ticket_pdf(*, line: OrderLine) -> bytes:
    """The ticket of one paid line, in the language of its order."""
    layout = ticket_layout_for(event=line.product.event)
    with translation.override(line.order.locale):
        return _render(line, layout)


def _file_name(line: OrderLine) -> str:
    """The attachment's name, in the language being rendered: ticket-<serial>.pdf (voucher-… for
    an add-on's own voucher)."""
    prefix = slugify(_("voucher") if line.kind == ProductKind.ADDON else _("ticket")) or "ticket"
    return f"{prefix}-{line.serial}.pdf"


def ticket_pdf_file(*, line: OrderLine) -> tuple[str, bytes]:
    """(file name, PDF) of one issued ticket of a paid order, in the order's language, as attached
    to emails (a reissued ticket)."""
    if not line.ticket_nonce or not order_tickets_valid(order=line.order):
        raise Conflict(f"ticket {line.serial} is not issued or its order is not paid", code="order_not_paid")
    layout = ticket_layout_for(event=line.product.event)
    with translation.override(line.order.locale):
        return _file_name(line), _render(line, layout)


def _ticket_lines(order: Order) -> list[OrderLine]:
    """The issued tickets, and the vouchers of the add-ons attached to no ticket."""
    lines = list(
        order.lines.filter(kind__in=[ProductKind.TICKET, ProductKind.ADDON],
                           ticket_nonce__isnull=False)  # a refunded line's is revoked
        .select_related("product__event", "price", "date", "ticket_number")
        .prefetch_related(Prefetch("addons", queryset=OrderLine.objects.select_related("product", "price")))
        .order_by("id")
    )
    for line in lines:
        line.order = order  # the same object: no query per line for the order and its organiser
    return lines


def order_ticket_pdfs(*, order: Order) -> list[tuple[str, bytes]]:
    """(file name, PDF) for every ticket of a paid order (and its add-ons' own vouchers), in the
    order's language."""
    if not order_tickets_valid(order=order):
        raise Conflict(f"order {order.code} is not paid or was refunded: it has no tickets", code="order_not_paid")
    pdfs = []
    layouts: dict[int, str | None] = {}
    lines = _ticket_lines(order)
    refunded = refunded_line_ids(order=order) if any(line.addons.all() for line in lines) else set()
    with translation.override(order.locale):
        for line in lines:
            event = line.product.event
            if event.pk not in layouts:
                layouts[event.pk] = ticket_layout_for(event=event)
            pdfs.append((_file_name(line), _render(line, layouts[event.pk], refunded)))
    return pdfs
