"""Reissuing a ticket from the order's admin page: confirmation, the new ticket emailed, the old one
refused at the door; double submits, unpaid orders, other organisers and forged posts refused."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from billetterie.checkin.models import ScanResult
from billetterie.checkin.services import scan_redeem
from billetterie.notifications.models import OutboxMessage, OutboxState
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Organizer
from billetterie.tickets.models import RevokedTicket
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.signing import ticket_payload, ticket_verify
from tests.factories import Shop, door, order_paid, order_placed, organizer_create

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def _staff(organizer: Organizer, username: str = "guichet") -> User:
    """The platform's operator: the Django admin opens to superusers only (issue 11)."""
    return User.objects.create_superuser(username, password="pw-long-enough-1")


def _team_staff(organizer: Organizer, username: str = "equipe") -> User:
    """An organiser's staff with the admin's order permissions, as they could be given before."""
    user = User.objects.create_user(username, password="pw-long-enough-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_order", "change_order", "view_orderline"]))
    organizer.staff.add(user)
    return user


def _client(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _url(line: OrderLine) -> str:
    return f"/admin/orders/order/{line.order_id}/tickets/{line.pk}/reissue/"


def _order_page(order: Order) -> str:
    return f"/admin/orders/order/{order.pk}/change/"


def _first_ticket(order: Order) -> OrderLine:
    return order.lines.filter(kind="ticket").select_related("order", "product__event").order_by("id")[0]


def _messages(response: Any) -> list[str]:
    """The messages the request queued for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form(line: OrderLine, **fields: str) -> dict[str, str]:
    return {"reason": "billet perdu", "notify_buyer": "on", "nonce": bytes(line.ticket_nonce or b"").hex(), **fields}


def test_staff_reissues_a_ticket_and_the_buyer_gets_the_new_one(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    _list, scope = door(shop)
    order = order_paid(shop, tickets=2, meals=0)
    line = _first_ticket(order)
    old_nonce, old_text = bytes(line.ticket_nonce or b""), ticket_payload(line=line)
    staff = _staff(shop.organizer)
    client = _client(staff)

    order_page = client.get(_order_page(order)).content.decode()
    assert order_page.count("Réémettre le billet") == 2
    assert "Réémis le" not in order_page
    assert f'href="{_url(line)}"' in order_page

    page = client.get(_url(line))
    assert page.status_code == 200
    body = page.content.decode()
    assert "seront refusés à l'entrée" in body
    assert line.serial in body and "Camille Durand" in body
    assert f'value="{old_nonce.hex()}"' in body
    assert 'name="notify_buyer"' in body and "checked" in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(line), _form(line))
    assert response.status_code == 302 and response["Location"] == _order_page(order)
    assert any("réémis" in m for m in _messages(response))

    line.refresh_from_db()
    assert bytes(line.ticket_nonce or b"") != old_nonce
    revoked = RevokedTicket.objects.get()
    assert (revoked.line_id, bytes(revoked.nonce), revoked.reason) == (line.pk, old_nonce, "billet perdu")
    assert revoked.revoked_by == staff
    # the order's page keeps the ticket's history: when, by whom, why
    order_page = client.get(_order_page(order)).content.decode()
    assert order_page.count("Réémis le ") == 1
    assert "par guichet\u00a0: billet perdu" in order_page
    new_text = ticket_payload(line=line)
    assert scan_redeem(scope=scope, text=old_text, device_id="d").result == ScanResult.REVOKED
    assert scan_redeem(scope=scope, text=new_text, device_id="d").result == ScanResult.OK

    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    assert email.to == ["acheteur@example.org"]
    assert email.reply_to == ["contact@assoc.example"]
    assert "ne-pas-repondre@assoc.example" in email.from_email
    assert line.serial in email.subject and "réémis" in email.subject
    (html, _mimetype), = email.alternatives
    for text in (email.body, str(html)):
        assert "n'est plus valable" in text
        assert line.serial in text
        assert f"/assoc/order/{order.code}/{order.secret}/" in text
    (name, content, mimetype), = email.attachments
    assert (name, mimetype) == (f"billet-{line.serial}.pdf", "application/pdf")
    (barcode,) = zxingcpp.read_barcodes(pdfium.PdfDocument(content)[0].render(scale=4).to_pil())
    assert barcode.text == new_text
    claims = ticket_verify(text=barcode.text, public_key=event_public_key(event_id=shop.event.pk),
                           event_id=shop.event.pk)
    assert claims is not None and claims.line_id == line.pk

    message = OutboxMessage.objects.get()
    assert (message.kind, message.state, message.line_id) == ("ticket_reissued", OutboxState.SENT, line.pk)


def test_double_submit_with_the_stale_nonce_is_refused(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    line = _first_ticket(order_paid(shop, tickets=1, meals=0))
    client = _client(_staff(shop.organizer))
    form = _form(line)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url(line), form).status_code == 302
    line.refresh_from_db()
    nonce_after_first = bytes(line.ticket_nonce or b"")

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(_url(line), form)
    assert again.status_code == 302
    assert any("déjà été réémis" in m for m in _messages(again))
    line.refresh_from_db()
    assert bytes(line.ticket_nonce or b"") == nonce_after_first
    assert RevokedTicket.objects.count() == 1
    assert len(mail.outbox) == 1


def test_without_notification_no_email(shop: Shop, django_capture_on_commit_callbacks: OnCommit) -> None:
    line = _first_ticket(order_paid(shop, tickets=1, meals=0))
    form = _form(line)
    del form["notify_buyer"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(_staff(shop.organizer)).post(_url(line), form)
    assert response.status_code == 302
    assert RevokedTicket.objects.count() == 1
    assert mail.outbox == [] and not OutboxMessage.objects.exists()


def test_english_buyer_gets_the_email_in_english(
    shop: Shop, django_capture_on_commit_callbacks: OnCommit
) -> None:
    line = _first_ticket(order_paid(shop, tickets=1, meals=0, locale="en"))
    with django_capture_on_commit_callbacks(execute=True):
        _client(_staff(shop.organizer)).post(_url(line), _form(line))
    (email,) = mail.outbox
    assert email.subject == f"Your ticket {line.serial} has been reissued — Association des étudiants"
    assert "The previous ticket is no longer valid" in email.body
    assert "Hello Camille Durand," in email.body
    (name, _content, _mimetype), = email.attachments
    assert name == f"ticket-{line.serial}.pdf"


def test_unpaid_order_is_refused_with_a_message(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    line = _first_ticket(order)
    client = _client(_staff(shop.organizer))
    assert "Réémettre le billet" not in client.get(_order_page(order)).content.decode()
    for response in (client.get(_url(line)), client.post(_url(line), _form(line, nonce="00" * 8))):
        assert response.status_code == 302 and response["Location"] == _order_page(order)
        assert any("pas encore été émis" in m for m in _messages(response))
    line.refresh_from_db()
    assert line.ticket_nonce is None
    assert not RevokedTicket.objects.exists() and not OutboxMessage.objects.exists()


def test_cancelled_order_is_refused_with_a_message(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    line = _first_ticket(order)
    Order.objects.filter(pk=order.pk).update(state=OrderState.CANCELLED)
    response = _client(_staff(shop.organizer)).post(_url(line), _form(line))
    assert response.status_code == 302
    assert any("plus payée" in m for m in _messages(response))
    assert not RevokedTicket.objects.exists()


def test_organisers_staff_are_sent_away_from_the_admin(shop: Shop) -> None:
    """Their own organiser's or another's: the admin is the operators' (they reissue from /gestion/)."""
    line = _first_ticket(order_paid(shop, tickets=1, meals=0))
    for user in (_team_staff(organizer_create("rival", name="Rival")), _team_staff(shop.organizer, "mine")):
        client = _client(user)
        assert client.get(_url(line)).status_code == 302
        assert client.post(_url(line), _form(line)).status_code == 302
    assert not RevokedTicket.objects.exists()


def test_line_of_another_order_or_not_a_ticket_is_404(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=1)
    other = order_paid(shop, tickets=1, meals=0)
    client = _client(_staff(shop.organizer))
    meal = order.lines.get(kind="addon")
    assert client.get(f"/admin/orders/order/{order.pk}/tickets/{meal.pk}/reissue/").status_code == 404
    assert client.get(f"/admin/orders/order/{order.pk}/tickets/{_first_ticket(other).pk}/reissue/").status_code == 404


def test_post_without_csrf_token_is_403(shop: Shop) -> None:
    line = _first_ticket(order_paid(shop, tickets=1, meals=0))
    nonce = bytes(line.ticket_nonce or b"")
    response = _client(_staff(shop.organizer), enforce_csrf_checks=True).post(_url(line), _form(line))
    assert response.status_code == 403
    line.refresh_from_db()
    assert bytes(line.ticket_nonce or b"") == nonce
    assert not RevokedTicket.objects.exists()


@pytest.mark.parametrize("fields", [{"nonce": "not-hex"}, {"reason": ""}, {"reason": "x" * 41}])
def test_invalid_form_is_400_and_changes_nothing(shop: Shop, fields: dict[str, str]) -> None:
    line = _first_ticket(order_paid(shop, tickets=1, meals=0))
    response = _client(_staff(shop.organizer)).post(_url(line), _form(line, **fields))
    assert response.status_code == 400
    assert not RevokedTicket.objects.exists()
