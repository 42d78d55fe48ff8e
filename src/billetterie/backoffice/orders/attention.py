"""« Marquer comme vérifié »: staff clear what the payment code flagged on one of the order's
payments once they looked into it (the dashboard's « payments needing attention » drops it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billetterie.core.errors import NotFound
from billetterie.orders.models import Order
from billetterie.organizers.permissions import Perm
from billetterie.payments.order_services import payment_attention_clear

from ..access import BackofficeRequest, organizer_view


@require_POST
@organizer_view(Perm.MONEY)
def payment_checked(request: BackofficeRequest, code: str, payment_id: int) -> HttpResponseBase:
    order = Order.objects.filter(organizer=request.bo.organizer, code=code.upper()[:12]).first()
    if order is None:
        raise Http404
    try:
        cleared = payment_attention_clear(order_id=order.pk, payment_id=payment_id)
    except NotFound as exc:
        raise Http404 from exc
    if cleared:
        messages.success(request, _("The payment is marked as checked."))
    else:
        messages.info(request, _("This payment was already marked as checked."))
    return redirect(reverse("backoffice:orders:detail", args=[request.bo.organizer.slug, order.code]))
