"""A buyer who gives asks for a tax receipt in the cart (« Je souhaite un reçu fiscal »): the
receipt follows the payment, emailed as PDF and downloadable from the order page; no box when
the organiser does not issue receipts; a bad address is refused in French, nothing written."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from billetterie.orders.models import Order
from billetterie.payments.services import payment_record_external
from billetterie.taxreceipts.models import ReceiptMode, TaxReceipt, TaxReceiptRequest
from tests.factories import Shop
from tests.shop.helpers import add_to_cart, cart_form_filled, cart_page, checkout, pay_with_card

from .helpers import pdf_text, receipts_turned_on

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"tax_receipt": "on", "tax_receipt_address": "12 avenue Jean Jaurès", "tax_receipt_postcode": "46200",
           "tax_receipt_city": "Souillac", "tax_receipt_country": "France"}


def _cart_with_donation(client: Client, shop: Shop, euros: str = "25,50") -> None:
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1", f"donation_{shop.donation.pk}": euros})




def test_donation_with_the_box_ticked_gets_its_receipt_by_email(shop: Shop) -> None:
    receipts_turned_on(shop.organizer)
    client = Client()
    _cart_with_donation(client, shop)
    assert 'name="tax_receipt"' in cart_page(client, shop)
    _response, order = checkout(client, shop, ADDRESS)
    request = TaxReceiptRequest.objects.get(order=order)
    assert (request.mode, request.postcode, request.city) == (ReceiptMode.SINGLE, "46200", "Souillac")
    assert not TaxReceipt.objects.exists()  # not before it is paid
    mail.outbox.clear()
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    receipt = TaxReceipt.objects.get()
    assert receipt.amount_cents == 2550 and receipt.donor_name == "Camille Martin" and not receipt.testmode
    [email] = [m for m in mail.outbox if receipt.reference in m.subject]
    assert email.to == ["camille@example.org"]
    [(filename, pdf, mimetype)] = email.attachments
    assert mimetype == "application/pdf" and filename.endswith(".pdf")
    assert "vingt-cinq euros et cinquante centimes" in pdf_text(pdf)
    # the order page links to it, and the link gives the PDF
    page = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])).content.decode()
    link = reverse("shop:tax_receipt", args=[shop.organizer.slug, order.code, order.secret, receipt.pk])
    assert link in page
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "vingt-cinq euros et cinquante centimes" in pdf_text(download.content)
    # another order's link does not give it
    other = Order.objects.create(organizer=shop.organizer, code="AUTRE1", email="x@example.org", name="X",
                                 total_cents=0)
    assert client.get(reverse("shop:tax_receipt", args=[shop.organizer.slug, other.code, other.secret,
                                                        receipt.pk])).status_code == 404


def test_a_sandbox_payment_gets_a_specimen(shop: Shop, sandbox_notices_inline: list[object]) -> None:
    receipts_turned_on(shop.organizer)
    client = Client()
    _cart_with_donation(client, shop, "10")
    response, _order = checkout(client, shop, {**ADDRESS, "tax_receipt_mode": ReceiptMode.SINGLE})
    pay_with_card(client, response["Location"], "4242 4242 4242 4242")
    receipt = TaxReceipt.objects.get()
    assert receipt.testmode and receipt.reference.startswith("TEST-")
    [email] = [m for m in mail.outbox if receipt.reference in m.subject]
    assert "SPÉCIMEN" in pdf_text(email.attachments[0][1])


def test_no_box_when_the_organiser_does_not_issue_receipts(shop: Shop) -> None:
    client = Client()
    _cart_with_donation(client, shop)
    assert 'name="tax_receipt"' not in cart_page(client, shop)
    # a forged box is ignored: no request, the order goes through
    _response, order = checkout(client, shop, ADDRESS)
    assert not TaxReceiptRequest.objects.filter(order=order).exists()


def test_no_box_without_a_donation(shop: Shop) -> None:
    receipts_turned_on(shop.organizer)
    shop.donation.active = False
    shop.donation.save(update_fields=["active"])
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    assert 'name="tax_receipt"' not in cart_page(client, shop)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"tax_receipt_address": " "}, "tax_receipt_address", "indiquez votre adresse postale"),
    ({"tax_receipt_postcode": "4620"}, "tax_receipt_postcode", "code postal français de 5 chiffres"),
    ({"tax_receipt_city": ""}, "tax_receipt_city", "Indiquez la commune"),
    ({"tax_receipt_country": "Belgique", "tax_receipt_postcode": "<b>"}, "tax_receipt_postcode",
     "Indiquez le code postal"),
])
def test_a_bad_address_is_refused_in_french(shop: Shop, changes: dict[str, str], field: str, message: str) -> None:
    receipts_turned_on(shop.organizer)
    client = Client()
    _cart_with_donation(client, shop)
    data = cart_form_filled(cart_page(client, shop), {**ADDRESS, **changes})
    response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Order.objects.exists()


def test_the_box_without_any_donation_says_so(shop: Shop) -> None:
    receipts_turned_on(shop.organizer)
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})  # the cart page offers a donation
    page = cart_page(client, shop)
    assert 'name="tax_receipt"' in page
    data = cart_form_filled(page, ADDRESS)
    response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), data)
    assert response.status_code == 400
    assert "reçu fiscal" in response.content.decode() and not Order.objects.exists()


def test_a_donation_on_the_cart_page_with_a_yearly_receipt(shop: Shop) -> None:
    receipts_turned_on(shop.organizer)
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})
    _response, order = checkout(client, shop, {**ADDRESS, f"donation_{shop.donation.pk}": "40",
                                               "tax_receipt_mode": ReceiptMode.YEARLY})
    assert TaxReceiptRequest.objects.get(order=order).mode == ReceiptMode.YEARLY
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    assert not TaxReceipt.objects.exists()  # it waits for the year's summary
    page = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])).content.decode()
    assert 'id="tax-receipts"' in page
