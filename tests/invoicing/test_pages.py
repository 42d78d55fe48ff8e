"""Issue 13, must show: a cancelled invoiced order shows its credit note in the back office and in
the buyer's account (and on the order's page), each a Factur-X PDF to download; the settings page
(SETTINGS, audited, bad input in French); the invoices list (BOOKS); the product's VAT rate typed
as a percentage."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from facturx import get_facturx_xml_from_pdf

from billetterie.catalog.models import Product
from billetterie.core.models import AuditEntry
from billetterie.invoicing.models import CreditNote, Invoice, InvoicingSettings
from billetterie.orders.models import Order, OrderState
from billetterie.organizers.models import Role
from billetterie.payments.services import payment_record_external
from tests.customers.helpers import customer_create, password_post
from tests.factories import Shop, order_paid, order_placed, team_member_create

pytestmark = pytest.mark.django_db


def _staff(shop: Shop, role: str = Role.ADMIN) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _text(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def _href(page: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', page)
    assert match, pattern
    return match.group(1)


def _is_facturx(response: object, number: str) -> None:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"  # type: ignore[index]
    _name, xml = get_facturx_xml_from_pdf(io.BytesIO(response.content), check_xsd=True)  # type: ignore[attr-defined]
    assert number.encode() in xml


def test_a_cancelled_invoiced_order_shows_its_credit_note_in_the_back_office_and_the_buyers_account(
        shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    customer = customer_create(shop.organizer, "acheteur@example.org", password="un mot de passe solide",
                               verified=True)
    order = order_paid(shop, method="cash")
    Order.objects.filter(pk=order.pk).update(customer=customer)
    invoice = Invoice.objects.get(order=order)

    staff = _staff(shop)
    detail = reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code])
    response = staff.post(reverse("backoffice:orders:cancel", args=[shop.organizer.slug, order.code]),
                          {"refunded": "0", "reason": "Annulé à la demande"})
    assert response.status_code == 302, _text(response)[:3000]
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    note = CreditNote.objects.get(order=order)
    assert note.invoice == invoice and note.gross_cents == invoice.gross_cents

    page = _text(staff.get(detail))
    assert f"Facture {invoice.number}, 42,00\u00a0€" in page
    assert f"Avoir {note.number}, 42,00\u00a0€" in page
    _is_facturx(staff.get(_href(page, r"[^\"]*/avoirs/\d+\.pdf")), note.number)
    _is_facturx(staff.get(_href(page, r"[^\"]*/factures/\d+\.pdf")), invoice.number)

    buyer = Client()
    assert password_post(buyer, shop.organizer, "acheteur@example.org", "un mot de passe solide").status_code == 302
    account = _text(buyer.get(reverse("shop:account", args=[shop.organizer.slug])))
    assert f"Avoir {note.number} (PDF)" in account and f"Facture {invoice.number} (PDF)" in account
    _is_facturx(buyer.get(_href(account, r"[^\"]*/credit-note/\d+\.pdf")), note.number)

    order_page = _text(Client().get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])))
    assert f"Avoir {note.number}, 42,00\u00a0€" in order_page
    assert "Télécharger l'avoir (PDF)" in order_page


def test_documents_of_another_order_or_organiser_are_not_found(shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    first, second = order_paid(shop), order_paid(shop)
    invoice = Invoice.objects.get(order=second)
    wrong = reverse("shop:invoice", args=[shop.organizer.slug, first.code, first.secret, invoice.pk])
    assert Client().get(wrong).status_code == 404
    assert Client().get(reverse("shop:contract", args=[shop.organizer.slug, first.code, first.secret])).status_code \
        == 404  # paid in full: no contract
    from tests.factories import shop_create

    other = shop_create(slug="autre")
    outsider = _staff(other)
    assert outsider.get(reverse("backoffice:invoices:invoice", args=[shop.organizer.slug, invoice.pk])).status_code \
        == 404


def test_the_settings_page_turns_invoicing_on_audited_and_refuses_bad_input_in_french(shop: Shop) -> None:
    staff = _staff(shop)
    url = reverse("backoffice:invoices:settings", args=[shop.organizer.slug])
    assert staff.get(url).status_code == 200
    good = {"enabled": "on", "vat_regime": "not_subject", "vat_number": "", "invoice_prefix": "FA",
            "credit_note_prefix": "AV", "payment_terms": "", "payment_days": "30", "b2b_mentions": "on",
            "late_penalty_rate": "",
            "contract_text": "Acompte {MontantAcompte}, solde {Solde}."}
    bad = {**good, "vat_regime": "subject", "invoice_prefix": "F 2026!", "contract_text": "{Acompte}",
           "payment_days": "90"}
    response = staff.post(url, bad)
    assert response.status_code == 400
    text = _text(response).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Un organisateur assujetti à la TVA indique son numéro de TVA." in text
    assert "Utilisez au plus 8 lettres, chiffres ou tirets." in text
    assert "Champ de remplacement inconnu : {Acompte}" in text
    assert not InvoicingSettings.objects.exists()
    assert staff.post(url, good).status_code == 302
    config = InvoicingSettings.objects.get(organizer=shop.organizer)
    assert config.enabled and config.prefix == "FA"
    assert AuditEntry.objects.filter(action="invoicing.settings_changed", organizer_id=shop.organizer.pk).exists()
    order = order_paid(shop)
    assert Invoice.objects.get(order=order).number.startswith("FA")


def test_who_may_open_the_settings_and_the_list(shop: Shop) -> None:
    slug = shop.organizer.slug
    treasury = _staff(shop, Role.TREASURY)
    assert treasury.get(reverse("backoffice:invoices:settings", args=[slug])).status_code == 403
    assert treasury.get(reverse("backoffice:invoices:index", args=[slug])).status_code == 200
    reader = _staff(shop, Role.READ_ONLY)
    assert reader.get(reverse("backoffice:invoices:index", args=[slug])).status_code == 403


def test_the_list_shows_invoices_and_credit_notes(shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    order = order_paid(shop, method="cash")
    from billetterie.payments.services import refund_create

    refund_create(payment=order.payments.get(), amount_cents=1200)
    page = _text(_staff(shop).get(reverse("backoffice:invoices:index", args=[shop.organizer.slug])))
    assert order.invoice.number in page and CreditNote.objects.get().number in page and "−12,00\u00a0€" in page


def test_a_part_paid_order_offers_its_contract(shop: Shop) -> None:
    order = order_placed(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1260)
    page = _text(Client().get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])))
    contract = _href(page, r"[^\"]*/contract\.pdf")
    response = Client().get(contract)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    staff_page = _text(_staff(shop).get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code])))
    assert "Contrat\u00a0: acompte reçu et solde dû" in staff_page


def test_the_products_vat_rate_is_typed_as_a_percentage(shop: Shop) -> None:
    staff = _staff(shop)
    url = reverse("backoffice:catalog:product_edit", args=[shop.organizer.slug, shop.event.pk, shop.ticket.pk])
    form = {"name": "Entrée", "description": "", "max_per_order": "", "sales_start": "", "sales_end": "",
            "position": "1", "vat_rate": "5,5"}
    response = staff.post(url, form)
    assert response.status_code == 302, _text(response)[:3000]
    assert Product.objects.get(pk=shop.ticket.pk).vat_rate_bp == 550
    assert 'value="5,5"' in _text(staff.get(url))
    response = staff.post(url, {**form, "vat_rate": "5,555"})
    assert response.status_code == 400
    assert "Saisissez un taux en pourcentage avec au plus deux décimales" in _text(response)
    assert Product.objects.get(pk=shop.ticket.pk).vat_rate_bp == 550


def test_a_settings_change_records_only_the_fields_that_changed(shop: Shop) -> None:
    from billetterie.invoicing.services import invoicing_settings_set

    invoicing_settings_set(organizer=shop.organizer, values={"enabled": True})
    invoicing_settings_set(organizer=shop.organizer, values={"enabled": True})  # the same again: nothing
    invoicing_settings_set(organizer=shop.organizer, values={"payment_days": 45})
    entries = AuditEntry.objects.filter(action="invoicing.settings_changed").order_by("id")
    assert entries.count() == 2 and entries.last().changes == {"payment_days": [30, 45]}
