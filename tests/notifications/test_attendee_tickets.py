"""Each attendee who gave an email receives their own ticket when the order is paid (issue 12),
unless the event turns it off; the buyer still receives them all; once per ticket, and again to
the new person when a ticket is reissued for them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.notifications.services import email_attendee_tickets, outbox_send_due
from billetterie.orders.models import Order, OrderLine
from billetterie.orders.services import order_mark_paid
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import ticket_attendee_change
from billetterie.tickets.signing import ticket_verify
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def shop_on(shop: Shop) -> Shop:
    """The shop with the attendees' own tickets on, as a new event has them."""
    shop.event.attendee_tickets = True
    shop.event.save(update_fields=["attendee_tickets"])
    return shop


def _paid(on_commit: OnCommit, shop: Shop, **kwargs: Any) -> Order:
    with on_commit(execute=True):
        return order_paid(shop, **kwargs)


def _to(address: str) -> list[EmailMultiAlternatives]:
    return [m for m in mail.outbox if m.to == [address]]  # type: ignore[misc]


def _pdf_text(pdf: bytes) -> str:
    return " ".join("\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf)).split())


def test_each_attendee_gets_their_own_ticket_and_the_buyer_all(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    order = _paid(django_capture_on_commit_callbacks, shop_on, tickets=2, meals=2)
    first, second = order.lines.filter(kind="ticket").order_by("id")
    buyer = _to("acheteur@example.org")
    assert len(buyer) == 1 and len([a for a in buyer[0].attachments if a[2] == "application/pdf"]) == 2
    assert len(mail.outbox) == 3
    for line in (first, second):
        (email,) = _to(line.attendee_email)
        assert email.subject.startswith("Votre billet\u00a0: JIP 2027,")
        assert f"Bonjour {line.attendee_name}," in email.body
        assert "JIP 2027" in email.body and "Salle des fêtes, Souillac" in email.body
        assert "Camille Durand vous a réservé un billet" in email.body
        assert "Repas — Repas complet" in email.body  # the meal bought for them
        assert order.secret not in email.body  # the buyer's order page is not theirs
        (name, pdf, _mime), = email.attachments
        assert name == f"billet-{line.serial}.pdf"
        text = _pdf_text(pdf)
        assert line.attendee_name in text and line.serial in text and "Repas complet" in text
        image = pdfium.PdfDocument(pdf)[0].render(scale=4).to_pil()
        (barcode,) = zxingcpp.read_barcodes(image)
        claims = ticket_verify(text=barcode.text, public_key=event_public_key(event_id=shop_on.event.pk),
                               event_id=shop_on.event.pk)
        assert claims is not None and claims.line_id == line.pk  # their own ticket, no one else's
    messages = OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).order_by("id")
    assert [m.line_id for m in messages] == [first.pk, second.pk]
    assert all(m.state == OutboxState.SENT for m in messages)


def test_turned_off_for_the_event_only_the_buyer_is_emailed(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    assert not shop.event.attendee_tickets
    _paid(django_capture_on_commit_callbacks, shop, tickets=2)
    assert [m.to for m in mail.outbox] == [["acheteur@example.org"]]
    assert not OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).exists()


def test_not_twice_when_the_payment_or_the_event_comes_again(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    order = _paid(django_capture_on_commit_callbacks, shop_on, tickets=2, meals=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert order_mark_paid(order_id=order.pk)  # a duplicate notice
        email_attendee_tickets(order_id=order.pk)  # the event delivered again
        email_attendee_tickets(order_id=order.pk)
    outbox_send_due()
    assert len(mail.outbox) == 3
    assert OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).count() == 2


def test_the_buyers_own_ticket_and_lines_without_an_email_are_not_sent_again(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid(shop_on, tickets=2, meals=0, email="p0@example.org")
    first, second = order.lines.filter(kind="ticket").order_by("id")
    assert first.attendee_email == "p0@example.org"  # the buyer is the first attendee
    assert [m.to for m in mail.outbox] == [["p0@example.org"], ["p1@example.org"]]
    OrderLine.objects.filter(pk=second.pk).update(attendee_email="")
    OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).delete()
    with django_capture_on_commit_callbacks(execute=True):
        email_attendee_tickets(order_id=order.pk)
    assert not OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).exists()


def test_a_test_order_sends_it_marked_as_a_test(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    from tests.factories import sandbox_turned_on

    sandbox_turned_on(shop_on)
    _paid(django_capture_on_commit_callbacks, shop_on, tickets=1, meals=0, method="sandbox")
    (email,) = _to("p0@example.org")
    assert email.subject.startswith("[COMMANDE TEST] Votre billet")
    assert "COMMANDE TEST" in email.body


def test_an_english_order_sends_it_in_english(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    _paid(django_capture_on_commit_callbacks, shop_on, tickets=1, meals=1, locale="en")
    (email,) = _to("p0@example.org")
    assert email.subject.startswith("Your ticket: JIP 2027,")
    assert "Camille Durand booked a ticket for you" in email.body
    assert "Meal" not in email.body and "Repas — Repas complet" in email.body
    (_name, pdf, _mime), = email.attachments
    assert "Attendee" in _pdf_text(pdf)


def test_a_new_person_receives_the_reissued_ticket(
    shop_on: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    order = _paid(django_capture_on_commit_callbacks, shop_on, tickets=1, meals=0)
    line = order.lines.get(kind="ticket")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_attendee_change(line_id=line.pk, name="Nina Roux", email="nina@example.org")
    line.refresh_from_db()
    (email,) = _to("nina@example.org")
    assert "Bonjour Nina Roux," in email.body and "remplace le précédent" in email.body
    (_name, pdf, _mime), = email.attachments
    assert "Nina Roux" in _pdf_text(pdf)
    assert len(_to("acheteur@example.org")) == 1  # the buyer gets the reissued ticket too
    assert not _to("p0@example.org")  # the former attendee gets nothing new
    keys = set(OutboxMessage.objects.filter(kind=OutboxKind.ATTENDEE_TICKET).values_list("dedup_key", flat=True))
    assert f"attendee_ticket:{line.pk}:{bytes(line.ticket_nonce or b'').hex()}" in keys and len(keys) == 2
