"""The membership card's download from the buyer's order page (its secret link, as a ticket's)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from billetterie.core.errors import DomainError
from billetterie.core.ratelimit import RateLimited, answer_429, client_address
from billetterie.memberships.models import Membership
from billetterie.orders.models import OrderState
from billetterie.orders.selectors import order_by_secret

from .membership_card import membership_card_file_name, membership_card_pdf


@require_GET
@answer_429
def membership_card_download(request: HttpRequest, organizer_slug: str, code: str, secret: str,
                             membership_id: int) -> HttpResponse:
    """One membership the order bought, while the order is paid and the membership not cancelled
    (a wrong link counts against the client's limit, as the order page's)."""
    try:
        order = order_by_secret(organizer_slug=organizer_slug, code=code, secret=secret,
                                client=client_address(request))
    except RateLimited:
        raise
    except DomainError:
        raise Http404 from None
    membership = (Membership.objects.filter(pk=membership_id, order_line__order=order, cancelled_at__isnull=True)
                  .select_related("member").first())
    if membership is None or order.state != OrderState.PAID:
        raise Http404
    response = HttpResponse(membership_card_pdf(membership=membership), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{membership_card_file_name(membership=membership)}"'
    response["Cache-Control"] = "private, no-store"
    return response
