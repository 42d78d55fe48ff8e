"""The books' documents in a customer account's data (decision 0023): the data download lists the
billing details, invoices and credit notes, tax receipt requests and receipts of the account's
orders; deleting the account erases the billing details and the receipt requests and keeps the
issued documents, which the law keeps."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from billetterie.invoicing.billing import billing_clean, billing_details_record
from billetterie.invoicing.models import BillingDetails, CreditNote, Invoice, InvoicingSettings
from billetterie.payments.services import payment_record_external, refund_create
from billetterie.taxreceipts.models import TaxReceipt, TaxReceiptRequest
from tests.customers.helpers import OnCommit, sign_in_by_link
from tests.factories import Shop, order_placed
from tests.taxreceipts.helpers import receipt_issued, receipts_turned_on

pytestmark = pytest.mark.django_db


def _url(shop: Shop, name: str) -> str:
    from django.urls import reverse

    return reverse(f"shop:{name}", args=[shop.organizer.slug])


def _invoiced_and_given(shop: Shop) -> tuple[int, int]:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    receipts_turned_on(shop.organizer)
    order = order_placed(shop, tickets=1, meals=0, email="camille@example.org")
    billing_details_record(order=order, billing=billing_clean(
        organization="Lycée Louis Vicat", address="1 rue Louis Vicat", postcode="46200", city="Souillac",
        registration="73282932000074", reference="BC-2026-117"))
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    refund_create(payment=cash, amount_cents=500)  # a credit note
    gift = receipt_issued(shop, cents=3000, email="camille@example.org")
    return order.pk, gift.pk


def test_the_data_download_lists_the_books_documents_of_the_account(
    client: Client, shop: Shop, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    order_id, gift_id = _invoiced_and_given(shop)
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    data = json.loads(client.get(_url(shop, "account_data")).content)
    by_order = {row["order"]: row for row in data["invoicing"]}
    invoiced = by_order[Invoice.objects.get(order_id=order_id).order.code]
    assert invoiced["billing_details"]["organization"] == "Lycée Louis Vicat"
    assert invoiced["billing_details"]["reference"] == "BC-2026-117"
    assert invoiced["invoice"]["number"] == Invoice.objects.get(order_id=order_id).number
    assert invoiced["invoice"]["buyer"]["name"] == "Lycée Louis Vicat"
    assert [note["gross_cents"] for note in invoiced["credit_notes"]] == [
        CreditNote.objects.get(order_id=order_id).gross_cents]
    [given] = [row for row in data["tax_receipts"]]
    assert given["request"]["address"] == "12 avenue Jean Jaurès" and given["request"]["city"] == "Souillac"
    assert [r["number"] for r in given["receipts"]] == [TaxReceipt.objects.get().reference]
    assert given["receipts"][0]["amount_cents"] == 3000
    assert Invoice.objects.get(order_id=gift_id)  # the gift's order is invoiced too: listed, without details
    assert by_order[Invoice.objects.get(order_id=gift_id).order.code]["billing_details"] is None


def test_deleting_the_account_erases_the_details_and_requests_and_keeps_the_documents(
    client: Client, shop: Shop, django_capture_on_commit_callbacks: OnCommit,
) -> None:
    from billetterie.core.models import AuditEntry
    from billetterie.taxreceipts.services import DonorAddress, request_record

    order_id, gift_id = _invoiced_and_given(shop)
    other = order_placed(shop, tickets=1, meals=0, email="leo@example.org")
    billing_details_record(order=other, billing=billing_clean(
        organization="Mairie de Souillac", address="Place de l'Hôtel de Ville", postcode="46200", city="Souillac"))
    # still to pay: its invoice will be made out to its details, its donation is owed a receipt
    unpaid = order_placed(shop, tickets=1, meals=0, donation_cents=2000, email="camille@example.org")
    billing_details_record(order=unpaid, billing=billing_clean(
        organization="Lycée Louis Vicat", address="1 rue Louis Vicat", postcode="46200", city="Souillac"))
    assert request_record(order=unpaid, mode="single", donor=DonorAddress("12 avenue Jean Jaurès", "46200", "Souillac"))
    sign_in_by_link(client, shop.organizer, "camille@example.org", django_capture_on_commit_callbacks)
    page = client.get(_url(shop, "account_delete"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "la loi oblige l'organisateur à les conserver" in page and "un don qui attend son reçu" in page
    client.post(_url(shop, "account_delete"), {"confirmation": "SUPPRIMER"})
    assert not BillingDetails.objects.filter(order_id=order_id).exists()
    assert not TaxReceiptRequest.objects.filter(order_id=gift_id).exists()
    assert BillingDetails.objects.filter(order=unpaid).exists()
    assert TaxReceiptRequest.objects.filter(order=unpaid).exists()
    assert BillingDetails.objects.filter(order=other).exists()  # someone else's: untouched
    invoice, receipt = Invoice.objects.get(order_id=order_id), TaxReceipt.objects.get()
    assert invoice.buyer["name"] == "Lycée Louis Vicat" and receipt.donor_city == "Souillac"  # kept, never changed
    assert CreditNote.objects.filter(order_id=order_id).exists()
    said = set(AuditEntry.objects.filter(action__endswith=".erased").values_list("action", "order_id"))
    assert said == {("billing_details.erased", order_id), ("taxreceipt_request.erased", gift_id)}
