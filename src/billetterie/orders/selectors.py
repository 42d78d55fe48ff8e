from __future__ import annotations

from django.utils.translation import gettext as _

from billetterie.core.errors import NotFound
from billetterie.core.ids import secrets_equal

from .models import Order


def order_by_secret(*, organizer_slug: str, code: str, secret: str) -> Order:
    """A wrong secret and an unknown code give the same answer, in the same time."""
    order = (
        Order.objects.select_related("organizer")
        .filter(organizer__slug=organizer_slug, code=code.upper()[:12])
        .first()
    )
    expected = order.secret if order is not None else "x" * 27
    if not secrets_equal(secret, expected) or order is None:
        raise NotFound(_("Order not found."))
    return order
