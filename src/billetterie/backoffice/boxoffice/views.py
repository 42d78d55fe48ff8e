"""The box office ("Guichet"): sell at the door or by phone, take cash, a cheque or the card
terminal, then print or email the tickets. The rules are the online ones (payments.box_office):
the places are taken all or none, never oversold; a refusal says why and changes nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from billetterie.catalog.models import Event, Publication
from billetterie.core import audit, clock
from billetterie.core.errors import DomainError
from billetterie.orders.models import Order, OrderLine
from billetterie.orders.services import Checkout
from billetterie.organizers.permissions import Perm
from billetterie.payments.box_office import CASH, box_office_methods, box_office_sell, change_due
from billetterie.payments.models import Channel
from billetterie.tickets.pdf import ticket_pdf_file
from billetterie.tickets.selectors import order_tickets_valid

from ..access import BackofficeRequest, organizer_view
from .forms import QuantitiesForm, SaleForm, offers_of, units_of

STEP_CHOOSE, STEP_SELL = "choose", "sell"


def _event_of(request: BackofficeRequest, event_id: int) -> Event:
    event = (Event.objects.filter(pk=event_id, organizer=request.bo.organizer)
             .exclude(publication=Publication.DRAFT).first())
    if event is None:
        raise Http404
    return event


def _sale_of(request: BackofficeRequest, code: str) -> Order:
    """A box-office order of this organiser (the box office sees its own sales, not the orders list)."""
    order = Order.objects.filter(organizer=request.bo.organizer, code=code, channel=Channel.BOX_OFFICE).first()
    if order is None:
        raise Http404
    return order


@organizer_view(Perm.BOX_OFFICE)
def index(request: BackofficeRequest) -> HttpResponse:
    events = list(
        Event.objects.filter(organizer=request.bo.organizer).exclude(publication=Publication.DRAFT)
        .order_by("section", "theme", "position", "title")
    )
    methods = box_office_methods(organizer=request.bo.organizer)
    return render(request, "backoffice/boxoffice/index.html", {"events": events, "methods": methods})


def _request_hash(request: BackofficeRequest) -> str:
    fields = sorted((k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "sale_key", "step"))
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@never_cache
@organizer_view(Perm.BOX_OFFICE)
def sale(request: BackofficeRequest, event_id: int) -> HttpResponseBase:
    """Step 1 (GET, or POST step=choose): the quantities. Step 2 (POST step=sell): the people and
    the payment; the quantities travel along as hidden fields and are checked again."""
    event = _event_of(request, event_id)
    organizer = request.bo.organizer
    offers = offers_of(event=event, now=clock.now())
    step = request.POST.get("step") if request.method == "POST" else None
    quantities = QuantitiesForm(request.POST if step else None, offers=offers)
    context: dict[str, Any] = {"event": event, "quantities": quantities}
    if not step or not quantities.is_valid():
        status = 400 if quantities.errors else 200
        return render(request, "backoffice/boxoffice/choose.html", context, status=status)

    chosen = quantities.chosen()
    units = units_of(chosen)
    total = sum(u.donation_cents or (u.offer.price.amount_cents if u.offer.price else 0) for u in units)
    methods = box_office_methods(organizer=organizer, amount_cents=total)
    form = SaleForm(request.POST if step == STEP_SELL else None, units=units, methods=methods, total_cents=total)
    context.update({"form": form, "chosen": chosen, "total": total, "methods": methods})
    status = 200
    if step == STEP_SELL:
        if form.is_valid():
            data = form.cleaned_data
            checkout = Checkout(email=data["buyer_email"] or "", name=data["buyer_name"], phone=data["phone"],
                                locale="fr")
            audit.bind(audit.staff(request.user))  # the sale is this staff member's
            try:
                result = box_office_sell(
                    organizer=organizer, lines=form.lines(), checkout=checkout, method=data["method"],
                    sale_key=data["sale_key"], request_hash=_request_hash(request), reference=data["reference"],
                    tendered_cents=data["tendered"] if data["method"] == CASH else None,
                    send_email=data["send_email"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status if 400 <= exc.status < 500 else 409
            else:
                url = reverse("backoffice:boxoffice:receipt", args=[organizer.slug, result.order.code])
                if data["method"] == CASH and data["tendered"] is not None:
                    url += "?" + urlencode({"recu": data["tendered"]})
                return redirect(url)
        else:
            status = 400
    return render(request, "backoffice/boxoffice/sell.html", context, status=status)


@never_cache
@organizer_view(Perm.BOX_OFFICE)
def receipt(request: BackofficeRequest, code: str) -> HttpResponse:
    order = _sale_of(request, code)
    change = None
    tendered = request.GET.get("recu", "")
    if tendered.isascii() and tendered.isdigit() and len(tendered) < 12:  # "²" is a digit to isdigit(), not to int()
        try:
            change = change_due(total_cents=order.total_cents, tendered_cents=int(tendered))
        except DomainError:
            change = None
    lines = list(order.lines.select_related("date").order_by("id"))
    payment = order.payments.order_by("-id").first()
    tickets = [line for line in lines if line.ticket_nonce] if order_tickets_valid(order=order) else []
    return render(request, "backoffice/boxoffice/receipt.html", {
        "order": order, "lines": lines, "tickets": tickets, "change": change,
        "tendered": int(tendered) if change is not None else None, "payment": payment,
        "method_name": _method_name(request, payment.provider) if payment else "",
        "emailed": order.outbox_messages.exists(),
    })


def _method_name(request: BackofficeRequest, provider_id: str) -> str:
    names = {m.provider_id: m.name for m in box_office_methods(organizer=request.bo.organizer)}
    return names.get(provider_id, provider_id)


@organizer_view(Perm.BOX_OFFICE)
def ticket(request: BackofficeRequest, code: str, line_id: int) -> HttpResponse:
    """One ticket of a box-office sale, to print."""
    order = _sale_of(request, code)
    line = OrderLine.objects.filter(pk=line_id, order=order).select_related("product__event", "price", "date").first()
    if line is None:
        raise Http404
    line.order = order
    try:
        name, pdf = ticket_pdf_file(line=line)
    except DomainError:  # not issued, or taken back by a refund
        return render(request, "backoffice/boxoffice/no_ticket.html", {"order": order}, status=409)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response

