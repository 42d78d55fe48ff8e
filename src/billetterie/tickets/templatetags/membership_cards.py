"""The order page's membership cards (issue 12): the memberships a paid order bought."""

from __future__ import annotations

from django import template

from billetterie.memberships.models import Membership
from billetterie.orders.models import Order, OrderState

register = template.Library()


@register.simple_tag
def order_membership_cards(order: Order) -> list[Membership]:
    """The order's memberships that have a card to download (paid order, not cancelled)."""
    if order.state != OrderState.PAID:
        return []
    return list(Membership.objects.filter(order_line__order=order, cancelled_at__isnull=True)
                .select_related("member", "type").order_by("order_line_id", "id"))
