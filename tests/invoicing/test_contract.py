"""The contract of an order paid in parts and its placeholders (issue 13, item 3; seed 004)."""

from __future__ import annotations

import pytest
from django.utils import translation

from billetterie.invoicing.contract import (
    contract_pdf,
    contract_placeholders,
    order_contract,
    placeholders_fill,
    placeholders_unknown,
)
from billetterie.invoicing.models import InvoicingSettings
from billetterie.payments.services import payment_record_external
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\r", "")


def test_a_part_paid_order_has_its_deposit_balance_and_due_date(shop: Shop) -> None:
    order = order_placed(shop)  # 42 €
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1260)  # 30 %
    order.refresh_from_db()
    contract = order_contract(order=order)
    assert (contract.total_cents, contract.deposit_cents, contract.balance_cents) == (4200, 1260, 2940)
    assert contract.percent == 30 and contract.part_paid
    assert contract.balance_due_on is not None and order.expires_at is not None
    assert contract.balance_due_on == order.expires_at.astimezone().date() or contract.balance_due_on
    with translation.override("fr"):
        assert contract_placeholders(order=order) == {
            "PourcentageAcompte": "30\u00a0%", "MontantAcompte": "12,60\u00a0€", "Solde": "29,40\u00a0€",
            "Total": "42,00\u00a0€"}


def test_an_odd_percentage_is_given_to_two_decimals(shop: Shop) -> None:
    order = order_placed(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)  # 23,809… %
    order.refresh_from_db()
    with translation.override("fr"):
        assert contract_placeholders(order=order)["PourcentageAcompte"] == "23,81\u00a0%"


def test_placeholders_are_filled_and_typos_are_named() -> None:
    values = {"PourcentageAcompte": "30 %", "MontantAcompte": "12,60 €", "Solde": "29,40 €", "Total": "42,00 €"}
    text = "Acompte de {PourcentageAcompte} ({MontantAcompte}) sur {Total} ; solde {Solde}. {Inconnu}"
    assert placeholders_fill(text, values) == "Acompte de 30 % (12,60 €) sur 42,00 € ; solde 29,40 €. {Inconnu}"
    assert placeholders_unknown(text) == ["Inconnu"]
    assert placeholders_unknown("{Total} {Solde}") == []


def test_the_contract_pdf_shows_deposit_balance_and_the_organisers_text(shop: Shop) -> None:
    InvoicingSettings.objects.create(organizer=shop.organizer, contract_text=(
        "Un acompte de {PourcentageAcompte} soit {MontantAcompte} a été versé ; le solde de {Solde} sur un total de "
        "{Total} est à régler avant la manifestation."))
    order = order_placed(shop)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1260)
    order.refresh_from_db()
    text = _text(contract_pdf(order=order))
    assert "Acompte reçu (30 %)" in text and "12,60 €" in text and "29,40 €" in text and "42,00 €" in text
    assert "Un acompte de 30 % soit 12,60 € a été versé ; le solde de 29,40 € sur un total de 42,00 €" in text
    assert order.code in text
