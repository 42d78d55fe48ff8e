"""The order's invoice, credit notes and contract, for the order page and the account page."""

from __future__ import annotations

from django import template

from billetterie.invoicing.contract import order_contract
from billetterie.invoicing.selectors import OrderDocuments, order_documents
from billetterie.orders.models import Order

register = template.Library()


@register.simple_tag
def order_invoice_documents(order: Order) -> OrderDocuments:
    return order_documents(order_id=order.pk)


@register.simple_tag
def order_part_paid(order: Order) -> bool:
    return order_contract(order=order).part_paid
