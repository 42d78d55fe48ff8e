"""French wording (issue 10, item 8): no preposition before an organiser's or a product's name
that would need an elision (« auprès de Association », « Quantité de Entrée »), and a membership's
confirmation does not speak of tickets."""

from __future__ import annotations

import pytest
from django.test import Client

from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.notifications.services import email_message_build
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db


def _confirmation_text(order: object) -> str:
    message = OutboxMessage(kind=OutboxKind.ORDER_CONFIRMED, order=order, to="x@example.org", dedup_key="x")
    return str(email_message_build(message=message).body)


def test_the_confirmation_thanks_in_the_organisers_name_without_elision(shop: Shop) -> None:
    shop.organizer.name = "Association des étudiants"
    shop.organizer.save(update_fields=["name"])
    text = _confirmation_text(order_paid(shop, tickets=1, meals=0))
    assert "Association des étudiants vous remercie pour votre commande" in text
    assert "auprès de Association" not in text
    assert "vos billets restent disponibles" in text


def test_a_membership_confirmation_does_not_speak_of_tickets(shop: Shop) -> None:
    from billetterie.payments.services import payment_record_external
    from tests.factories import order_placed

    order = order_placed(shop, tickets=1, meals=0)
    order.lines.update(kind="membership")
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    text = _confirmation_text(order)
    assert "billet" not in text.lower() and "Votre commande et votre reçu restent disponibles ici" in text


def test_the_event_page_labels_need_no_elision(shop: Shop, client: Client) -> None:
    page = client.get(f"/{shop.organizer.slug}/e/{shop.event.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Quantité de " not in page and "Quantité — " in page
    assert "Don à " not in page
