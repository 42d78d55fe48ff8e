"""The order page's tax receipts (issue 13): those covering the order's donation, and whether a
yearly one was asked for."""

from __future__ import annotations

from django import template

from billetterie.orders.models import Order
from billetterie.taxreceipts.models import ReceiptMode, TaxReceipt, TaxReceiptRequest
from billetterie.taxreceipts.selectors import receipts_of_order

register = template.Library()


@register.simple_tag
def order_tax_receipts(order: Order) -> list[TaxReceipt]:
    """The receipts of the order's donation, cancelled ones included (marked on the page)."""
    return receipts_of_order(order_id=order.pk)


@register.simple_tag
def order_tax_receipt_yearly(order: Order) -> bool:
    """The buyer asked for a yearly receipt: the page says when it comes."""
    return TaxReceiptRequest.objects.filter(order_id=order.pk, mode=ReceiptMode.YEARLY).exists()
