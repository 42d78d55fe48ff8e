"""Self-service from the order's page (issue 12, item 9), behind the order's secret link: the
buyer cancels their order (refunded to the card it was paid with, before the deadline) or changes
the name on a ticket. Each is a confirmation page (GET) and its form (POST, CSRF); the rules are
`payments.self_service` and `tickets.self_service`. The order page shows what is offered through
the `self_service_box` tag (`templatetags/self_service.py`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from billetterie.core.errors import DomainError
from billetterie.core.money import format_money
from billetterie.core.ratelimit import RateLimited, answer_429
from billetterie.orders.models import Order, OrderLine
from billetterie.payments.self_service import (
    SelfCancelKind,
    SelfCancelOutcome,
    order_self_cancel,
    order_self_cancel_offer,
)
from billetterie.tickets.self_service import ticket_self_rename, ticket_self_rename_deadline, ticket_self_rename_open

from .context import shop_context
from .forms import MailableEmailField
from .templatetags.self_service import refusal_text
from .views import _order_or_404, _render


def _order_url(order: Order) -> str:
    return reverse("shop:order", args=[order.organizer.slug, order.code, order.secret])


def _status(exc: DomainError) -> int:
    return exc.status if exc.status < 500 else 400


@require_http_methods(["GET", "POST"])
@answer_429
def order_cancel_page(request: HttpRequest, organizer_slug: str, code: str, secret: str) -> HttpResponse:
    """« Annuler ma commande »: what it does, then the POST that does it (once, whatever the clicks)."""
    ctx = shop_context(request, organizer_slug)
    order = _order_or_404(request, organizer_slug, code, secret)
    offer = order_self_cancel_offer(order=order)
    status, refusal = 200, refusal_text(offer.refusal, offer.refusal_code, offer.deadline)
    if request.method == "POST":
        try:
            outcome = order_self_cancel(order_id=order.pk)
        except DomainError as exc:
            status, refusal = _status(exc), refusal_text(exc.message, exc.code, offer.deadline)
        else:
            messages.success(request, _done_message(outcome, offer.refund_cents, order.currency))
            return HttpResponseRedirect(_order_url(order))
    return _render(request, ctx, "shop/order_cancel.html", {
        "order": order, "offer": offer, "refusal": refusal, "refund": offer.kind == SelfCancelKind.REFUND,
        "unpaid": offer.kind == SelfCancelKind.UNPAID,
    }, status=status)


def _done_message(outcome: SelfCancelOutcome, refund_cents: int, currency: str) -> str:
    if outcome == SelfCancelOutcome.REFUNDED:
        return _("Your order is cancelled. %(amount)s will be refunded to the card you paid with; an email "
                 "confirms it.") % {"amount": format_money(refund_cents, currency)}
    if outcome == SelfCancelOutcome.CANCELLED:
        return _("Your order is cancelled; its places are released.")
    return _("This order was cancelled already.")


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New name"), max_length=200,
                           error_messages={"required": gettext_lazy("Enter the person's name.")},
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = MailableEmailField(label=gettext_lazy("Their email"),
                               help_text=gettext_lazy("The new ticket is sent by email."),
                               error_messages={"required": gettext_lazy("Enter their email address."),
                                               "invalid": gettext_lazy("Enter a valid email address.")},
                               widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    # the name the page showed: a change made meanwhile (another tab) is not overwritten
    expected_name = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


def _line_or_404(order: Order, line_id: int) -> OrderLine:
    line = (OrderLine.objects.select_related("order__organizer", "product__event", "date")
            .filter(pk=line_id, order_id=order.pk).first())
    if line is None:
        raise Http404
    return line


@require_http_methods(["GET", "POST"])
@answer_429
def ticket_rename_page(request: HttpRequest, organizer_slug: str, code: str, secret: str,
                       line_id: int) -> HttpResponse:
    """« Changer le nom » on one ticket: the form, then the ticket reissued to the new name."""
    ctx = shop_context(request, organizer_slug)
    order = _order_or_404(request, organizer_slug, code, secret)
    line = _line_or_404(order, line_id)
    form = RenameForm(request.POST if request.method == "POST" else None, initial={
        "name": line.attendee_name, "email": line.attendee_email or order.email, "expected_name": line.attendee_name})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket_self_rename(order=order, line_id=line.pk, name=form.cleaned_data["name"],
                                   email=form.cleaned_data["email"],
                                   expected_name=form.cleaned_data["expected_name"] or None)
            except RateLimited:
                raise
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = _status(exc)
            else:
                messages.success(request, _("The ticket is now in the name of %(name)s: the new ticket has been "
                                            "sent by email, the old one no longer admits.")
                                 % {"name": form.cleaned_data["name"].strip()})
                return HttpResponseRedirect(_order_url(order))
        else:
            status = 400
    open_now = ticket_self_rename_open(line=line)
    return _render(request, ctx, "shop/ticket_rename.html", {
        "order": order, "line": line, "form": form, "open": open_now,
        "deadline": ticket_self_rename_deadline(line=line),
    }, status=status if open_now or request.method == "POST" else 200)
