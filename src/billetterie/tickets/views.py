"""Ticket downloads that are not PDFs: the Apple Wallet pass, from the order page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from billetterie.catalog.models import ProductKind
from billetterie.core.errors import DomainError
from billetterie.core.ratelimit import RateLimited, answer_429, client_address
from billetterie.orders.selectors import order_by_secret

from .selectors import order_tickets_valid
from .wallet import ticket_pkpass


@require_GET
@answer_429
def wallet_pass(request: HttpRequest, organizer_slug: str, code: str, secret: str, line_id: int) -> HttpResponse:
    try:
        order = order_by_secret(organizer_slug=organizer_slug, code=code, secret=secret,
                                client=client_address(request))
    except RateLimited:
        raise
    except DomainError:
        raise Http404 from None
    line = (
        order.lines.filter(pk=line_id, kind=ProductKind.TICKET, ticket_nonce__isnull=False)
        .select_related("product__event", "date")
        .first()
    )
    if line is None or not order_tickets_valid(order=order):  # not paid, or refunded in full
        raise Http404
    line.order = order
    body = ticket_pkpass(line=line)
    if body is None:  # no pass certificate configured
        raise Http404
    response = HttpResponse(body, content_type="application/vnd.apple.pkpass")
    response["Content-Disposition"] = f'attachment; filename="billet-{line.serial}.pkpass"'
    response["Cache-Control"] = "private, no-store"
    return response
