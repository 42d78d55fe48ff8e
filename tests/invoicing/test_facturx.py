"""Invoices and credit notes as Factur-X (issue 13, must show: the files pass the library's XML
schema check): the CII XML alone and the one embedded in the PDF/A-3."""

from __future__ import annotations

import io

import pytest
from facturx import get_facturx_xml_from_pdf, get_level, xml_check_xsd
from lxml import etree

from billetterie.invoicing.cii import document_xml, split_address
from billetterie.invoicing.models import CreditNote, Invoice, InvoicingSettings, VatRegime
from billetterie.invoicing.pdf import document_pdf
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"


def _text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


@pytest.fixture
def subject_to_vat(shop: Shop) -> Shop:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True, vat_regime=VatRegime.SUBJECT,
                                     vat_number="FR40123456789", payment_terms="Payable à réception.",
                                     b2b_mentions=True)  # on every invoice, a consumer's too
    shop.organizer.siret = "12345678900011"
    shop.organizer.save(update_fields=["siret"])
    shop.ticket.vat_rate_bp = 550
    shop.ticket.save(update_fields=["vat_rate_bp"])
    shop.meal.vat_rate_bp = 1000
    shop.meal.save(update_fields=["vat_rate_bp"])
    return shop


def test_the_invoice_xml_passes_the_schema_check_at_en16931(subject_to_vat: Shop) -> None:
    invoice = Invoice.objects.get(order=order_paid(subject_to_vat, method="cash"))
    xml = document_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    assert get_level(root) == "en16931"
    assert root.findtext(f".//{RAM}GrandTotalAmount") == "42.00"
    assert root.findtext(f".//{RAM}TaxTotalAmount") == "2.65"  # 1,56 € at 5,5 % and 1,09 € at 10 %
    assert [node.text for node in root.iter(f"{RAM}RateApplicablePercent")][-2:] == ["5.50", "10.00"]


def test_the_credit_note_xml_passes_and_names_its_invoice(subject_to_vat: Shop) -> None:
    order = order_paid(subject_to_vat, method="cash")
    refund_create(payment=order.payments.get(), amount_cents=1000)
    note = CreditNote.objects.get(order=order)
    xml = document_xml(note)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    assert root.findtext(f".//{RAM}TypeCode") == "381"
    assert root.findtext(f".//{RAM}InvoiceReferencedDocument/{RAM}IssuerAssignedID") == order.invoice.number


def test_not_subject_to_vat_is_exempt_with_the_293_b_mention(shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    invoice = Invoice.objects.get(order=order_paid(shop))
    xml = document_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    assert root.findtext(f".//{RAM}ExemptionReasonCode") == "VATEX-FR-FRANCHISE"
    assert "293 B" in root.findtext(f".//{RAM}ExemptionReason")


def test_the_pdf_embeds_the_checked_xml_and_shows_the_mentions(subject_to_vat: Shop) -> None:
    invoice = Invoice.objects.get(order=order_paid(subject_to_vat, method="cash"))
    pdf = document_pdf(invoice)
    assert pdf.startswith(b"%PDF")
    filename, xml = get_facturx_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert filename == "factur-x.xml" and xml == document_xml(invoice)
    text = _text(pdf)
    for mention in ("Association des étudiants BTS", "1 rue de la Gare", "12345678900011", "FR40123456789",
                    "Camille Durand", invoice.number, "Total HT", "Total TTC", "42,00", "5,5", "10 %",
                    "Payable à réception", "pénalités de retard", "40,00 €"):
        assert mention in text.replace("\u00a0", " ").replace("\u202f", " ").replace("\r", ""), mention


def test_split_address_finds_the_postcode_and_city() -> None:
    assert split_address("1 rue de la Gare, 46200 Souillac") == {
        "line": "1 rue de la Gare", "postcode": "46200", "city": "Souillac"}
    assert split_address("Mairie\n12 place X\n75011 Paris") == {
        "line": "Mairie 12 place X", "postcode": "75011", "city": "Paris"}
    assert split_address("somewhere")["postcode"] == ""
