"""Invoices to business buyers (issue 13, item 2): at checkout, « Facture au nom d'une société ou
d'une association » (the organisation, its billing address, SIREN or SIRET, VAT number and the
buyer's reference), written with the order before it can be paid — a free order's invoice and the
invoice to pay of « paiement sur facture » carry it —, snapshotted on the invoice and its credit
notes, on the PDF and in the Factur-X XML (which still passes the schema check); the late-payment
mentions on a business's invoice, not on a consumer's; bad numbers refused in French."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse
from facturx import xml_check_xsd
from lxml import etree

from billetterie.catalog.models import Price
from billetterie.core.models import AuditEntry
from billetterie.invoicing.billing import Billing, billing_clean, billing_details_record
from billetterie.invoicing.cii import document_xml
from billetterie.invoicing.countries import country_code
from billetterie.invoicing.models import BillingDetails, CreditNote, Invoice, InvoicingSettings
from billetterie.invoicing.pdf import document_pdf
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed
from tests.shop.helpers import add_to_cart, cart_form_filled, cart_page, checkout

pytestmark = pytest.mark.django_db
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"

BILLING = {"billing": "on", "billing_organization": "Lycée Louis Vicat", "billing_address": "1 rue Louis Vicat",
           "billing_postcode": "46200", "billing_city": "Souillac", "billing_country": "France",
           "billing_registration": "732 829 320 00074", "billing_vat_number": "FR 44 732829320",
           "billing_reference": "BC-2026-117"}


def _invoicing_on(shop: Shop, **values: object) -> InvoicingSettings:
    return InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True, **values)


def _text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\r", "")


def _cart(client: Client, shop: Shop) -> None:
    add_to_cart(client, shop, "jip", {f"qty_{shop.adult.pk}": "1"})




def test_valid_numbers_used_here() -> None:
    billing = billing_clean(organization=" Lycée  Louis Vicat ", address="1 rue Louis Vicat", postcode="46200",
                            city="Souillac", registration="732 829 320 00074", vat_number="fr44 732 829 320",
                            reference="BC-2026-117")
    assert billing == Billing("Lycée Louis Vicat", "1 rue Louis Vicat", "46200", "Souillac", "France", "FR",
                              "732829320", "73282932000074", "FR44732829320", "BC-2026-117")
    assert billing_clean(organization="A", address="1 rue X", postcode="46200", city="Souillac",
                         registration="732829320").siret == ""
    belgian = billing_clean(organization="ASBL Les Amis", address="Rue de la Loi 16", postcode="1000",
                            city="Bruxelles", country="Belgique", vat_number="BE0403170701")
    assert (belgian.country_code, belgian.vat_number, belgian.siren) == ("BE", "BE0403170701", "")


def test_country_names_in_french_or_english_or_by_code() -> None:
    assert [country_code(name) for name in ("", "France", "france", "FR", "Belgique", "belgium", "Côte-d'Ivoire",
                                            "Royaume-Uni", "uk", "Suisse", "de", "Nouvelle-Calédonie")] == [
        "FR", "FR", "FR", "FR", "BE", "BE", "CI", "GB", "GB", "CH", "DE", "NC"]
    assert country_code("Atlantide") is None
    assert country_code("XX") is None


def test_checkout_with_the_block_invoices_the_organisation(shop: Shop) -> None:
    _invoicing_on(shop)
    client = Client()
    _cart(client, shop)
    page = cart_page(client, shop)
    assert 'name="billing"' in page and 'name="billing_vat_number"' in page
    _response, order = checkout(client, shop, BILLING)
    details = BillingDetails.objects.get(order=order)
    assert (details.organization, details.siren, details.siret, details.vat_number, details.country_code) == (
        "Lycée Louis Vicat", "732829320", "73282932000074", "FR44732829320", "FR")
    entry = AuditEntry.objects.get(order_id=order.pk, action="billing_details.recorded")
    assert entry.changes["organization"] == [None, "Lycée Louis Vicat"]
    assert not Invoice.objects.filter(order=order).exists()  # not before it is paid
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer["name"] == "Lycée Louis Vicat" and invoice.buyer["contact"] == "Camille Martin"
    assert (invoice.buyer["siren"], invoice.buyer["vat_number"], invoice.buyer["reference"]) == (
        "732829320", "FR44732829320", "BC-2026-117")
    assert "late_payment" in invoice.mentions  # a business buyer: the L441-10 mentions, always

    text = _text(document_pdf(invoice))
    for shown in ("Lycée Louis Vicat", "Camille Martin", "1 rue Louis Vicat", "46200 Souillac", "73282932000074",
                  "FR44732829320", "BC-2026-117", "pénalités de retard", "40,00 €"):
        assert shown in text, shown

    xml = document_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    buyer = root.find(f".//{RAM}BuyerTradeParty")
    assert buyer.findtext(f"{RAM}Name") == "Lycée Louis Vicat"  # BT-44
    legal = buyer.find(f"{RAM}SpecifiedLegalOrganization/{RAM}ID")
    assert (legal.text, legal.get("schemeID")) == ("732829320", "0002")  # BT-47
    vat = buyer.find(f"{RAM}SpecifiedTaxRegistration/{RAM}ID")
    assert (vat.text, vat.get("schemeID")) == ("FR44732829320", "VA")  # BT-48
    assert buyer.findtext(f"{RAM}DefinedTradeContact/{RAM}PersonName") == "Camille Martin"
    address = buyer.find(f"{RAM}PostalTradeAddress")
    assert [address.findtext(f"{RAM}{tag}") for tag in ("LineOne", "PostcodeCode", "CityName", "CountryID")] == [
        "1 rue Louis Vicat", "46200", "Souillac", "FR"]  # BT-50, 53, 52, 55
    assert root.findtext(f".//{RAM}ApplicableHeaderTradeAgreement/{RAM}BuyerReference") == "BC-2026-117"  # BT-10


def test_a_buyer_abroad_has_its_country_code(shop: Shop) -> None:
    _invoicing_on(shop)
    order = order_placed(shop)
    billing = billing_clean(organization="ASBL Les Amis", address="Rue de la Loi 16", postcode="1000",
                            city="Bruxelles", country="Belgique", vat_number="BE 0403.170.701")
    billing_details_record(order=order, billing=billing)
    payment_record_external(order_id=order.pk, method="transfer", amount_cents=order.total_cents)
    invoice = Invoice.objects.get(order=order)
    xml = document_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)
    buyer = root.find(f".//{RAM}BuyerTradeParty")
    assert buyer.findtext(f"{RAM}PostalTradeAddress/{RAM}CountryID") == "BE"
    assert buyer.findtext(f"{RAM}SpecifiedTaxRegistration/{RAM}ID") == "BE0403170701"
    assert buyer.find(f"{RAM}SpecifiedLegalOrganization") is None  # no SIREN given
    assert "Belgique" in _text(document_pdf(invoice))


def test_checkout_without_the_block_invoices_the_person_as_before(shop: Shop) -> None:
    _invoicing_on(shop)
    client = Client()
    _cart(client, shop)
    _response, order = checkout(client, shop, {"billing_organization": "ignored: the box is not ticked"})
    assert not BillingDetails.objects.filter(order=order).exists()
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer == {"name": "Camille Martin", "email": "camille@example.org", "phone": "",
                             "order": order.code}
    assert "late_payment" not in invoice.mentions  # a consumer owes no recovery indemnity (decision 0029)
    xml = document_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    buyer = etree.fromstring(xml).find(f".//{RAM}BuyerTradeParty")
    assert buyer.findtext(f"{RAM}Name") == "Camille Martin"
    assert [child.tag.removeprefix(RAM) for child in buyer.find(f"{RAM}PostalTradeAddress")] == ["CountryID"]
    assert buyer.find(f"{RAM}SpecifiedLegalOrganization") is None
    assert buyer.find(f"{RAM}SpecifiedTaxRegistration") is None
    assert "pénalités de retard" not in _text(document_pdf(invoice))


def test_the_organiser_may_print_the_mentions_on_every_invoice(shop: Shop) -> None:
    _invoicing_on(shop, b2b_mentions=True)
    order = order_placed(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    assert "40,00 €" in Invoice.objects.get(order=order).mentions["late_payment"]


def test_no_block_when_the_organiser_does_not_invoice(shop: Shop) -> None:
    client = Client()
    _cart(client, shop)
    assert 'name="billing"' not in cart_page(client, shop)
    _response, order = checkout(client, shop, BILLING)  # a forged box is ignored
    assert not BillingDetails.objects.filter(order=order).exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"billing_organization": " "}, "billing_organization", "Indiquez le nom de la société ou de l'association"),
    ({"billing_address": ""}, "billing_address", "Indiquez l'adresse de l'organisation"),
    ({"billing_postcode": "4620"}, "billing_postcode", "code postal français de 5 chiffres"),
    ({"billing_city": ""}, "billing_city", "Indiquez la commune"),
    ({"billing_country": "Atlantide"}, "billing_country", "Indiquez le nom du pays"),
    ({"billing_registration": "732 829 321"}, "billing_registration", "Ce numéro SIREN ou SIRET n'est pas valide"),
    ({"billing_registration": "1234"}, "billing_registration", "Ce numéro SIREN ou SIRET n'est pas valide"),
    ({"billing_vat_number": "FR45732829320"}, "billing_vat_number", "TVA intracommunautaire n'est pas valide"),
    ({"billing_vat_number": "FR40303265045"}, "billing_vat_number", "n'est pas celui du SIREN"),
    ({"billing_reference": "x" * 101}, "billing_reference", "100 caractères"),
])
def test_bad_details_are_refused_in_french(shop: Shop, changes: dict[str, str], field: str, message: str) -> None:
    _invoicing_on(shop)
    client = Client()
    _cart(client, shop)
    data = cart_form_filled(cart_page(client, shop), {**BILLING, **changes})
    response = client.post(reverse("shop:cart", args=[shop.organizer.slug]), data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page, page[page.find('id="billing"'):][:3000]
    assert field in response.context["form"].errors
    assert f'value="{html.unescape(BILLING["billing_organization"])}"' in page or field == "billing_organization"
    assert not Order.objects.exists() and not BillingDetails.objects.exists()


def test_a_free_order_is_invoiced_to_the_organisation(shop: Shop) -> None:
    """A free order is paid inside its placement: its invoice is issued in that transaction,
    after the billing details were written (order_place's `placed`)."""
    _invoicing_on(shop)
    guest = Price.objects.create(product=shop.ticket, name="Invité", amount_cents=0, position=3)
    client = Client()
    add_to_cart(client, shop, "jip", {f"qty_{guest.pk}": "1"})
    _response, order = checkout(client, shop, {**BILLING, "provider": ""})
    assert order.state == OrderState.PAID and order.total_cents == 0
    invoice = Invoice.objects.get(order=order)
    assert invoice.buyer["name"] == "Lycée Louis Vicat" and invoice.buyer["siret"] == "73282932000074"
    assert xml_check_xsd(document_xml(invoice), flavor="factur-x", level="en16931") is True
    recorded = AuditEntry.objects.get(order_id=order.pk, action="billing_details.recorded")
    issued = AuditEntry.objects.get(order_id=order.pk, action="invoice.issued")
    assert recorded.pk < issued.pk


def test_pay_by_invoice_issues_the_invoice_to_the_organisation(shop: Shop) -> None:
    _invoicing_on(shop, payment_days=30)
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice", enabled=True)
    client = Client()
    _cart(client, shop)
    assert 'value="invoice"' in cart_page(client, shop)
    _response, order = checkout(client, shop, {**BILLING, "provider": "invoice"})
    assert order.state == OrderState.AWAITING_INVOICE
    invoice = Invoice.objects.get(order=order)
    assert invoice.paid_at is None and invoice.due_on is not None
    assert invoice.buyer["name"] == "Lycée Louis Vicat" and invoice.buyer["reference"] == "BC-2026-117"
    assert "late_payment" in invoice.mentions
    root = etree.fromstring(document_xml(invoice))
    assert root.findtext(f".//{RAM}BuyerTradeParty/{RAM}SpecifiedLegalOrganization/{RAM}ID") == "732829320"


def test_the_credit_note_carries_the_same_buyer(shop: Shop) -> None:
    _invoicing_on(shop)
    order = order_placed(shop)
    billing_details_record(order=order, billing=billing_clean(
        organization="Lycée Louis Vicat", address="1 rue Louis Vicat", postcode="46200", city="Souillac",
        registration="732829320", vat_number="FR44732829320", reference="BC-2026-117"))
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    refund_create(payment=order.payments.get(), amount_cents=1200)
    invoice, note = Invoice.objects.get(order=order), CreditNote.objects.get(order=order)
    assert note.buyer == invoice.buyer and note.buyer["name"] == "Lycée Louis Vicat"
    xml = document_xml(note)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    buyer = etree.fromstring(xml).find(f".//{RAM}BuyerTradeParty")
    assert buyer.findtext(f"{RAM}SpecifiedTaxRegistration/{RAM}ID") == "FR44732829320"
    assert buyer.findtext(f"{RAM}PostalTradeAddress/{RAM}CityName") == "Souillac"
    text = _text(document_pdf(note))
    assert "Lycée Louis Vicat" in text and "1 rue Louis Vicat" in text


def test_details_given_after_the_invoice_are_refused(shop: Shop) -> None:
    from billetterie.core.errors import Conflict

    _invoicing_on(shop)
    order = order_placed(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    with pytest.raises(Conflict):
        billing_details_record(order=order, billing=billing_clean(
            organization="Trop tard", address="1 rue X", postcode="46200", city="Souillac"))
    assert not BillingDetails.objects.exists()


# --- the back office ---------------------------------------------------------------------------


def _staff(shop: Shop, role: str = "admin") -> Client:
    from tests.factories import team_member_create

    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _with_details(shop: Shop) -> Order:
    order = order_placed(shop)
    billing_details_record(order=order, billing=billing_clean(
        organization="Lycée Louis Vicat", address="1 rue Louis Vicat", postcode="46200", city="Souillac",
        registration="73282932000074", reference="BC-2026-117"))
    return order


def _form(**changes: str) -> dict[str, str]:
    return {**BILLING, **changes}


def test_the_order_page_shows_the_details_and_staff_correct_them_before_the_invoice(shop: Shop) -> None:
    _invoicing_on(shop)
    order = _with_details(shop)
    staff = _staff(shop)
    url = reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code])
    page = html.unescape(staff.get(url).content.decode())
    card = page[page.index('id="billing"'):]
    for shown in ("Lycée Louis Vicat", "1 rue Louis Vicat", "46200 Souillac", "73282932000074", "BC-2026-117"):
        assert shown in card, shown
    assert 'id="billing-form"' in page and 'value="Lycée Louis Vicat"' in page
    action = reverse("backoffice:orders:billing", args=[shop.organizer.slug, order.code])
    response = staff.post(action, _form(billing_organization="Lycée Louis-Vicat (intendance)",
                                        billing_vat_number="FR44732829320"))
    assert response.status_code == 302
    details = BillingDetails.objects.get(order=order)
    assert (details.organization, details.vat_number) == ("Lycée Louis-Vicat (intendance)", "FR44732829320")
    entry = AuditEntry.objects.get(order_id=order.pk, action="billing_details.changed")
    assert entry.changes["organization"] == ["Lycée Louis Vicat", "Lycée Louis-Vicat (intendance)"]
    assert entry.actor_kind == "staff"
    history = html.unescape(staff.get(url).content.decode())
    assert "Coordonnées de facturation corrigées" in history
    # the invoice issued afterwards is made out to the corrected details
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    assert Invoice.objects.get(order=order).buyer["name"] == "Lycée Louis-Vicat (intendance)"


def test_bad_details_from_staff_are_refused_in_french(shop: Shop) -> None:
    _invoicing_on(shop)
    order = _with_details(shop)
    action = reverse("backoffice:orders:billing", args=[shop.organizer.slug, order.code])
    response = _staff(shop).post(action, _form(billing_registration="123"))
    assert response.status_code == 400
    assert "Ce numéro SIREN ou SIRET n'est pas valide" in html.unescape(response.content.decode())
    assert BillingDetails.objects.get(order=order).organization == "Lycée Louis Vicat"


def test_staff_may_remove_them_or_add_them_before_the_invoice(shop: Shop) -> None:
    _invoicing_on(shop)
    order = _with_details(shop)
    staff = _staff(shop)
    action = reverse("backoffice:orders:billing", args=[shop.organizer.slug, order.code])
    assert staff.post(action, {"billing_organization": "ignored"}).status_code == 302  # the box unticked
    assert not BillingDetails.objects.filter(order=order).exists()
    assert AuditEntry.objects.filter(order_id=order.pk, action="billing_details.removed").exists()
    other = order_placed(shop)
    page = staff.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, other.code])).content.decode()
    assert 'id="billing-form"' in page and 'id="billing"' not in page
    assert staff.post(reverse("backoffice:orders:billing", args=[shop.organizer.slug, other.code]),
                      _form()).status_code == 302
    assert BillingDetails.objects.get(order=other).siren == "732829320"


def test_after_the_invoice_a_correction_is_refused_with_the_reason(shop: Shop) -> None:
    _invoicing_on(shop)
    order = _with_details(shop)
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=order.total_cents)
    invoice = Invoice.objects.get(order=order)
    staff = _staff(shop)
    page = html.unescape(staff.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code]))
                         .content.decode())
    assert 'id="billing-form"' not in page  # no form to correct once issued
    assert f"Reprises sur la facture {invoice.number}" in page
    action = reverse("backoffice:orders:billing", args=[shop.organizer.slug, order.code])
    response = staff.post(action, _form(billing_organization="Autre nom"))
    assert response.status_code == 409
    text = html.unescape(response.content.decode())
    assert f"La facture {invoice.number} est émise" in text and "un avoir et une nouvelle facture" in text
    assert BillingDetails.objects.get(order=order).organization == "Lycée Louis Vicat"
    assert Invoice.objects.get(pk=invoice.pk).buyer == invoice.buyer
    assert not AuditEntry.objects.filter(order_id=order.pk, action="billing_details.changed").exists()


def test_a_role_without_orders_cannot_correct_them(shop: Shop) -> None:
    _invoicing_on(shop)
    order = _with_details(shop)
    action = reverse("backoffice:orders:billing", args=[shop.organizer.slug, order.code])
    response = _staff(shop, role="read_only").post(action, _form(billing_organization="Autre nom"))
    assert response.status_code == 403
    assert BillingDetails.objects.get(order=order).organization == "Lycée Louis Vicat"
