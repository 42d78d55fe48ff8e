"""Membership cards (issue 12 item 2, decision 0022): the signed QR payload, its check at the door
(valid, expired, cancelled, not started, tampered, another organiser's), and the PDF."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import base45
import pypdfium2
import pytest
import zxingcpp

from billetterie.catalog.models import Event, Section
from billetterie.memberships.models import Membership, MembershipType, ValidityRule
from billetterie.memberships.services import MemberDetails, membership_cancel, membership_grant
from billetterie.tickets.membership_card import (
    CARD_TEXT_LENGTH,
    CardResult,
    card_check,
    card_payload,
    card_signing_event,
    card_verify,
    membership_card_pdf,
    validity_text,
)
from billetterie.tickets.models import EventKey
from billetterie.tickets.signing import PAYLOAD_TEXT_LENGTH, ticket_unpack
from tests.factories import Shop, shop_create

SEASON_DAY = date(2026, 10, 15)


def _type(shop: Shop, *, product: bool = True, rule: str = ValidityRule.SEASON,
          name: str = "Adhésion") -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name=name, rule=rule,
                                         product=shop.membership if product else None)


def _membership(shop: Shop, membership_type: MembershipType | None = None, *, on: date = SEASON_DAY) -> Membership:
    return membership_grant(membership_type=membership_type or _type(shop),
                            details=MemberDetails(first_name="Maëlle", last_name="Adhérente",
                                                  email="maelle@example.org"), on=on)


def _key(event: Event) -> bytes:
    return bytes(EventKey.objects.get(event=event).public_key)


def test_payload_is_signed_with_the_membership_pages_key_and_tells_its_validity(shop: Shop) -> None:
    membership = _membership(shop)
    text = card_payload(membership=membership)
    assert len(text) == CARD_TEXT_LENGTH != PAYLOAD_TEXT_LENGTH
    assert ticket_unpack(text) is None  # never read as a ticket
    claims = card_verify(text=text, public_key=_key(shop.memberships))
    assert claims is not None and claims.membership_id == membership.pk
    assert (claims.start, claims.end) == (date(2026, 9, 1), date(2027, 8, 31))
    assert claims.event_id == shop.memberships.pk and not claims.test


def test_tampered_or_wrong_key_payload_is_refused(shop: Shop) -> None:
    membership = _membership(shop)
    text = card_payload(membership=membership)
    data = bytearray(base45.b45decode(text))
    data[12] ^= 0x01  # the end date, one day later
    tampered = base45.b45encode(bytes(data)).decode()
    assert card_verify(text=tampered, public_key=_key(shop.memberships)) is None
    assert card_check(organizer=shop.organizer, text=tampered, on=SEASON_DAY).result == CardResult.UNKNOWN
    other = shop_create(slug="autre")
    assert card_check(organizer=other.organizer, text=text, on=SEASON_DAY).result == CardResult.UNKNOWN
    for junk in ("", "x" * CARD_TEXT_LENGTH, "not a card", None):
        assert card_check(organizer=shop.organizer, text=junk, on=SEASON_DAY).result == CardResult.UNKNOWN  # type: ignore[arg-type]


@pytest.mark.parametrize(("on", "result"), [
    (date(2026, 9, 1), CardResult.VALID), (date(2027, 8, 31), CardResult.VALID),
    (date(2027, 9, 1), CardResult.EXPIRED), (date(2026, 8, 31), CardResult.UPCOMING),
])
def test_check_at_the_door_follows_the_dates(shop: Shop, on: date, result: CardResult) -> None:
    membership = _membership(shop)
    check = card_check(organizer=shop.organizer, text=card_payload(membership=membership), on=on)
    assert check.result == result and check.membership == membership
    assert check.membership.member.last_name == "Adhérente"


def test_cancelled_membership_is_refused(shop: Shop) -> None:
    membership = _membership(shop)
    text = card_payload(membership=membership)
    membership_cancel(membership_id=membership.pk)
    assert card_check(organizer=shop.organizer, text=text, on=SEASON_DAY).result == CardResult.CANCELLED


def test_deleted_membership_is_unknown(shop: Shop) -> None:
    membership = _membership(shop)
    text = card_payload(membership=membership)
    Membership.objects.filter(pk=membership.pk).delete()
    assert card_check(organizer=shop.organizer, text=text, on=SEASON_DAY).result == CardResult.UNKNOWN


def test_type_without_product_signs_with_the_first_membership_page(shop: Shop) -> None:
    Event.objects.create(organizer=shop.organizer, title="Adhésions 2027", slug="a27", section=Section.MEMBERSHIPS)
    membership = _membership(shop, _type(shop, product=False, rule=ValidityRule.LIFETIME, name="Membre d'honneur"))
    assert card_signing_event(membership=membership) == shop.memberships
    text = card_payload(membership=membership)
    claims = card_verify(text=text, public_key=_key(shop.memberships))
    assert claims is not None and claims.end is None
    assert card_check(organizer=shop.organizer, text=text, on=date(2060, 1, 1)).result == CardResult.VALID


def test_validity_in_french(shop: Shop) -> None:
    assert validity_text(membership=_membership(shop)) == "Valable du 1 septembre 2026 au 31 août 2027"
    lifetime = _membership(shop, _type(shop, product=False, rule=ValidityRule.LIFETIME, name="À vie"))
    assert validity_text(membership=lifetime) == "Valable à vie"


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(BytesIO(pdf))
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_pdf_has_the_member_and_a_qr_that_verifies(shop: Shop) -> None:
    membership = _membership(shop)
    pdf = membership_card_pdf(membership=membership)
    text = _pdf_text(pdf)
    for expected in ("Maëlle Adhérente", membership.member.number, "Adhésion", "Association des étudiants",
                     "Valable du 1 septembre 2026 au 31 août 2027", "Carte d'adhérent", "Attestation d'adhésion"):
        assert expected in text, expected
    image = pypdfium2.PdfDocument(BytesIO(pdf))[0].render(scale=3).to_pil()
    [barcode] = zxingcpp.read_barcodes(image)
    check = card_check(organizer=shop.organizer, text=barcode.text, on=SEASON_DAY)
    assert check.result == CardResult.VALID and check.membership == membership


def test_shop_order_page_offers_the_card_behind_its_secret_link(shop: Shop, client: object) -> None:
    from django.urls import reverse

    from tests.factories import order_paid

    _type(shop)
    order = order_paid(shop, tickets=0, meals=0, membership=True, attendees=["Maëlle Adhérente"])
    membership = Membership.objects.get(order_line__order=order)
    page = client.get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret]))  # type: ignore[attr-defined]
    card = reverse("membership_card", args=[shop.organizer.slug, order.code, order.secret, membership.pk])
    assert card in page.content.decode() and "Télécharger la carte d'adhérent (PDF)" in page.content.decode()
    response = client.get(card)  # type: ignore[attr-defined]
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    assert "Maëlle Adhérente" in _pdf_text(response.content)
    wrong = reverse("membership_card", args=[shop.organizer.slug, order.code, "x" * len(order.secret), membership.pk])
    assert client.get(wrong).status_code == 404  # type: ignore[attr-defined]
    other = _membership(shop, _type(shop, product=False))  # not this order's
    assert client.get(reverse("membership_card", args=[shop.organizer.slug, order.code, order.secret,  # type: ignore[attr-defined]
                                                       other.pk])).status_code == 404
    membership_cancel(membership_id=membership.pk)
    assert client.get(card).status_code == 404  # type: ignore[attr-defined]


def test_the_confirmation_email_carries_the_card(shop: Shop, mailoutbox: list,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    from tests.factories import order_paid

    _type(shop)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends once the payment commits
        order = order_paid(shop, tickets=1, meals=0, membership=True, attendees=["Maëlle Adhérente", "Léo Martin"])
    membership = Membership.objects.get(order_line__order=order)
    [email] = [m for m in mailoutbox if order.code in m.subject]
    pdfs = [(name, content) for name, content, mime in email.attachments if mime == "application/pdf"]
    assert len(pdfs) == 2  # the ticket and the card
    name, card = next((n, c) for n, c in pdfs if n.startswith("carte-adherent-"))
    assert membership.member.number.lower() in name
    image = pypdfium2.PdfDocument(BytesIO(card))[0].render(scale=3).to_pil()
    [barcode] = zxingcpp.read_barcodes(image)
    check = card_check(organizer=shop.organizer, text=barcode.text, on=membership.start)
    assert check.result == CardResult.VALID and check.membership == membership
