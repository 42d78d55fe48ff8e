"""Add-ons on tickets (issue 12): a meal bought for an attendee is printed on that attendee's
ticket, and only there; an add-on attached to no ticket gets its own voucher, signed like a
ticket, which no door admits."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp

from billetterie.catalog.models import Price, Product, ProductKind
from billetterie.orders.models import Order, OrderLine
from billetterie.tickets.layout import layout_errors
from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import ticket_layout_save
from billetterie.tickets.signing import ticket_verify
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join("\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf)).split())


def _qr(pdf: bytes) -> str:
    (barcode,) = zxingcpp.read_barcodes(pdfium.PdfDocument(pdf)[0].render(scale=4).to_pil())
    return str(barcode.text)


def _child_menu(shop: Shop) -> Price:
    return Price.objects.create(product=shop.meal, name="Menu enfant", amount_cents=800)


def _order_with_meal_for_second(shop: Shop) -> tuple[Order, OrderLine, OrderLine]:
    order = order_paid(shop, tickets=2, meals=0)
    first, second = order.lines.filter(kind="ticket").order_by("id")
    OrderLine.objects.create(order=order, product=shop.meal, price=_child_menu(shop), kind=ProductKind.ADDON,
                             label="Repas — Menu enfant", amount_cents=800, attached_to=second)
    return order, first, second


def test_the_meal_is_printed_on_its_attendees_ticket_only(shop: Shop) -> None:
    order, first, second = _order_with_meal_for_second(shop)
    assert "Menu enfant" in _text(ticket_pdf(line=second))
    assert "Repas" in _text(ticket_pdf(line=second))
    assert "Menu enfant" not in _text(ticket_pdf(line=first))
    by_name = dict(order_ticket_pdfs(order=order))
    assert len(by_name) == 2  # no voucher: the meal is on the ticket
    assert "Menu enfant" in _text(by_name[f"billet-{second.serial}.pdf"])
    assert "Menu enfant" not in _text(by_name[f"billet-{first.serial}.pdf"])


def test_a_refunded_meal_is_no_longer_printed(shop: Shop) -> None:
    from billetterie.payments.services import refund_create

    order = order_paid(shop, tickets=2, meals=2, method="cash")
    first, second = order.lines.filter(kind="ticket").order_by("id")
    meal_of_second = order.lines.get(kind="addon", attached_to=second)
    assert "Repas complet" in _text(ticket_pdf(line=second))
    refund_create(payment=order.payments.get(), amount_cents=1200, line_id=meal_of_second.pk)
    assert "Repas complet" not in _text(ticket_pdf(line=second))
    assert "Repas complet" in _text(ticket_pdf(line=first))  # the other attendee's meal stays


def test_the_organisers_layout_can_print_the_addons(shop: Shop) -> None:
    assert "addons" not in " ".join(layout_errors("{{ addons }}"))  # a documented placeholder
    from billetterie.tickets.layout import DEFAULT_LAYOUT

    ticket_layout_save(organizer=shop.organizer, html=DEFAULT_LAYOUT.replace(
        "<p class=\"serial\">", "<p>{{ addons }}</p><p class=\"serial\">"))
    _order, _first, second = _order_with_meal_for_second(shop)
    assert "Repas : Menu enfant" in _text(ticket_pdf(line=second)).replace("\u00a0", " ")


def test_a_standalone_addon_gets_its_own_voucher_whose_qr_verifies(shop: Shop) -> None:
    drink = Product.objects.create(event=shop.event, kind=ProductKind.ADDON, name="Boisson", addon_standalone=True)
    Price.objects.create(product=drink, name="Jus de pomme", amount_cents=300)
    from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
    from billetterie.catalog.selectors import Visibility
    from billetterie.orders.services import Checkout, order_mark_paid, order_place

    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    cart_add(cart=cart, item=CartAdd(product=drink, price=drink.prices.get()), visibility=Visibility())
    order = order_place(cart_token=cart.token, checkout=Checkout(email="a@example.org", name="Camille Durand",
                                                                terms_accepted=True))
    assert order_mark_paid(order_id=order.pk)
    order = Order.objects.select_related("organizer").get(pk=order.pk)
    voucher = order.lines.get()
    assert voucher.ticket_nonce is not None  # signed like a ticket
    ((name, pdf),) = order_ticket_pdfs(order=order)
    assert name == f"bon-{voucher.serial}.pdf"
    text = _text(pdf)
    for expected in ("Bon pour", "Boisson — Jus de pomme", "JIP 2027", "Camille Durand", voucher.serial,
                     "ce n'est pas un billet d'entrée"):
        assert expected in text, expected
    claims = ticket_verify(text=_qr(pdf), public_key=event_public_key(event_id=shop.event.pk),
                           event_id=shop.event.pk)
    assert claims is not None and claims.line_id == voucher.pk
    assert claims.nonce == bytes(voucher.ticket_nonce).hex()


def test_a_voucher_does_not_open_the_door(shop: Shop) -> None:
    from billetterie.checkin.models import ScanResult
    from billetterie.checkin.services import scan_redeem
    from billetterie.tickets.signing import ticket_payload
    from tests.factories import door

    shop.meal.addon_standalone = True
    shop.meal.save(update_fields=["addon_standalone"])
    _list, scope = door(shop)
    order = order_paid(shop, tickets=0, meals=1)  # a meal for no attendee
    meal = order.lines.select_related("order", "product__event").get()
    assert meal.ticket_nonce is not None
    outcome = scan_redeem(scope=scope, text=ticket_payload(line=meal), device_id="porte-1")
    assert outcome.result != ScanResult.OK
