"""Self-service from the order's page (issue 12, item 9): a buyer cancels their order before the
event's deadline (refunded to the card), or changes the name on a ticket; the event page says
what the policy is."""

from __future__ import annotations

import html
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.catalog.models import ProductKind, Quota
from billetterie.catalog.services import event_update
from billetterie.core.models import AuditEntry
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import Order, OrderState
from billetterie.orders.self_service import date_deadline, order_cancel_deadline
from billetterie.payments.models import Refund, RefundState
from billetterie.payments.self_service import SelfCancelOutcome, order_self_cancel
from billetterie.tickets.models import RevokedTicket
from tests.factories import Shop, order_paid, order_placed, sandbox_turned_on

pytestmark = pytest.mark.django_db

# the date of the JIP: Friday 19 March 2027 at 20:00 in Paris; 7 days before it, the deadline
START = timezone.make_aware(datetime(2027, 3, 19, 20, 0))
BEFORE = timezone.make_aware(datetime(2027, 3, 1, 10, 0))
AFTER = timezone.make_aware(datetime(2027, 3, 12, 20, 0))  # the deadline itself: too late
DEADLINE_TEXT = "12 mars 2027 à 20\u00a0h\u00a000"


@pytest.fixture
def clock_before() -> Any:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def policy(shop: Shop, clock_before: Any) -> Shop:
    """The JIP lets buyers cancel until 7 days before its date, and change names."""
    shop.date.start, shop.date.end = START, None
    shop.date.save(update_fields=["start", "end"])
    shop.event.self_cancel_days, shop.event.self_rename = 7, True
    shop.event.save(update_fields=["self_cancel_days", "self_rename"])
    sandbox_turned_on(shop)
    return shop


def _paid(shop: Shop, method: str = "sandbox") -> Order:
    return order_paid(shop, method=method, tickets=2, meals=1)


def _url(name: str, order: Order, *args: object, secret: str | None = None) -> str:
    return reverse(f"shop:{name}", args=[order.organizer.slug, order.code, secret or order.secret, *args])


def _html(response: Any) -> str:
    return html.unescape(response.content.decode())


def _used(shop: Shop) -> tuple[int, int]:
    return Quota.objects.get(date=shop.date).used, Quota.objects.get(pk=shop.meal_quota.pk).used


def test_before_the_deadline_the_cancel_refunds_the_card_and_frees_the_places(
        policy: Shop, django_capture_on_commit_callbacks: Any) -> None:
    order = _paid(policy)
    assert _used(policy) == (2, 1)
    client = Client()
    page = _html(client.get(_url("order", order)))
    assert f"Annulation possible jusqu'au {DEADLINE_TEXT}." in page
    assert _url("order_cancel", order) in page
    confirm = _html(client.get(_url("order_cancel", order)))
    assert "Annuler ma commande et être remboursé" in confirm and "42,00\u00a0€" in confirm
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("order_cancel", order), follow=True)
    assert response.redirect_chain[-1][0] == _url("order", order)
    page = _html(response)
    assert "Votre commande est annulée. 42,00\u00a0€ vous seront remboursés sur la carte" in page
    assert "Remboursée" in page
    refund = Refund.objects.get()
    assert refund.payment.order_id == order.pk and refund.amount_cents == 4200
    assert refund.state == RefundState.DONE and refund.release_places
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert _used(policy) == (0, 0)  # the places are back on sale
    # the tickets no longer admit nor download
    ticket = order.lines.filter(kind=ProductKind.TICKET).first()
    assert client.get(_url("ticket", order, ticket.pk)).status_code == 404
    # the refund email, and the buyer named as who did it
    assert OutboxMessage.objects.filter(kind=OutboxKind.REFUND_ISSUED, order_id=order.pk).count() == 1
    [email] = [m for m in mail.outbox if "42,00\u00a0€" in m.body]
    assert email.to == ["acheteur@example.org"]
    entry = AuditEntry.objects.get(action="refund.created", subject_id=refund.pk)
    assert entry.actor_kind == "buyer"
    assert AuditEntry.objects.get(action="order.refunded", order_id=order.pk).actor_kind == "buyer"


def test_after_the_deadline_the_cancel_is_refused_with_a_clear_message(policy: Shop, clock_before: Any) -> None:
    order = _paid(policy)
    clock_before.move_to(AFTER)
    client = Client()
    page = _html(client.get(_url("order", order)))
    assert f"Le délai d'annulation est passé\u00a0: cette commande pouvait être annulée jusqu'au {DEADLINE_TEXT}." \
        in page
    assert _url("order_cancel", order) not in page
    response = client.post(_url("order_cancel", order))
    assert response.status_code == 409
    assert f"pouvait être annulée jusqu'au {DEADLINE_TEXT}" in _html(response)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not Refund.objects.exists() and _used(policy) == (2, 1)


def test_policy_off_no_button_and_a_post_is_refused(policy: Shop) -> None:
    policy.event.self_cancel_days = None
    policy.event.save(update_fields=["self_cancel_days"])
    order = _paid(policy)
    client = Client()
    page = _html(client.get(_url("order", order)))
    assert _url("order_cancel", order) not in page and "Annulation possible" not in page
    response = client.post(_url("order_cancel", order))
    assert response.status_code == 409
    assert "Cette commande ne peut pas être annulée en ligne." in _html(response)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not Refund.objects.exists()


def test_a_double_post_refunds_once(policy: Shop) -> None:
    order = _paid(policy)
    client, other_tab = Client(), Client()
    assert client.post(_url("order_cancel", order)).status_code == 302
    second = other_tab.post(_url("order_cancel", order), follow=True)
    assert "Cette commande était déjà annulée." in _html(second)
    assert Refund.objects.count() == 1
    assert order_self_cancel(order_id=order.pk) == SelfCancelOutcome.ALREADY  # a retry, too
    assert Refund.objects.count() == 1 and _used(policy) == (0, 0)


def test_another_orders_secret_is_404(policy: Shop) -> None:
    mine, theirs = _paid(policy), _paid(policy, method="sandbox")
    client = Client()
    assert client.post(_url("order_cancel", mine, secret=theirs.secret)).status_code == 404
    line = theirs.lines.filter(kind=ProductKind.TICKET).first()
    assert client.post(_url("ticket_rename", mine, line.pk), {"name": "X", "email": "x@example.org"}).status_code == 404
    assert not Refund.objects.exists()


def test_paid_in_cash_contact_the_organiser(policy: Shop) -> None:
    order = _paid(policy, method="cash")
    client = Client()
    page = _html(client.get(_url("order", order)))
    assert "ne peut donc pas être remboursée automatiquement\u00a0: contactez l'organisateur" in page
    response = client.post(_url("order_cancel", order))
    assert response.status_code == 409 and "contactez l'organisateur" in _html(response)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not Refund.objects.exists()


def test_an_unpaid_order_is_cancelled_without_refund_its_places_freed(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    assert _used(shop) == (1, 0)
    client = Client()
    assert _url("order_cancel", order) in _html(client.get(_url("order", order)))
    response = client.post(_url("order_cancel", order), follow=True)
    assert "Votre commande est annulée\u00a0; ses places sont libérées." in _html(response)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED and _used(shop) == (0, 0) and not Refund.objects.exists()


def test_a_partly_refunded_order_gives_back_the_rest(policy: Shop) -> None:
    from billetterie.payments.order_services import order_refund

    order = _paid(policy)
    meal = order.lines.get(kind=ProductKind.ADDON)
    order_refund(order_id=order.pk, line_id=meal.pk)
    assert Client().post(_url("order_cancel", order)).status_code == 302
    assert sorted(Refund.objects.values_list("amount_cents", flat=True)) == [1200, 3000]
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _used(policy) == (0, 0)


def test_the_earliest_date_decides_and_the_time_stays_at_20h_across_summer_time() -> None:
    event_week = SimpleNamespace(self_cancel_days=7)
    event_two = SimpleNamespace(self_cancel_days=2)
    # 2 April 2027 20:00 is summer time; 7 days earlier, 26 March 20:00, is not yet
    april = timezone.make_aware(datetime(2027, 4, 2, 20, 0))
    deadline = date_deadline(start=april, days=7)
    assert timezone.localtime(deadline).replace(tzinfo=None) == datetime(2027, 3, 26, 20, 0)

    def line(event: object, start: datetime | None, kind: str = ProductKind.TICKET) -> Any:
        return SimpleNamespace(kind=kind, product=SimpleNamespace(event=event),
                               date=SimpleNamespace(start=start) if start else None)

    later = timezone.make_aware(datetime(2027, 3, 28, 20, 0))
    assert order_cancel_deadline(lines=[line(event_two, later), line(event_week, april)]) == \
        date_deadline(start=later, days=2)
    assert order_cancel_deadline(lines=[line(event_week, april), line(event_week, None, ProductKind.ADDON)]) == deadline
    # one event that does not let buyers cancel, a membership, or nothing dated: no self-cancel
    assert order_cancel_deadline(lines=[line(event_week, april), line(SimpleNamespace(self_cancel_days=None),
                                                                         later)]) is None
    assert order_cancel_deadline(lines=[line(event_week, april), line(event_week, None, ProductKind.MEMBERSHIP)]) \
        is None
    assert order_cancel_deadline(lines=[line(event_week, None, ProductKind.DONATION)]) is None


# --- changing the name on a ticket -----------------------------------------------------------------


def test_rename_reissues_the_ticket_and_refuses_after_the_deadline(policy: Shop, clock_before: Any,
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    order = _paid(policy)
    line = order.lines.filter(kind=ProductKind.TICKET).first()
    old_nonce = bytes(line.ticket_nonce)
    client = Client()
    page = _html(client.get(_url("order", order)))
    assert _url("ticket_rename", order, line.pk) in page
    form = client.get(_url("ticket_rename", order, line.pk))
    assert form.status_code == 200 and "Changer le nom sur un billet" in _html(form)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("ticket_rename", order, line.pk), {
            "name": "Alix Moreau", "email": "alix@example.org", "expected_name": line.attendee_name}, follow=True)
    assert "Le billet est désormais au nom de Alix Moreau" in _html(response)
    line.refresh_from_db()
    assert line.attendee_name == "Alix Moreau" and bytes(line.ticket_nonce) != old_nonce
    assert RevokedTicket.objects.filter(line=line, nonce=old_nonce).exists()
    assert OutboxMessage.objects.filter(kind=OutboxKind.TICKET_REISSUED, order_id=order.pk).exists()
    assert AuditEntry.objects.get(action="order_line.attendee_changed", subject_id=line.pk).actor_kind == "buyer"

    clock_before.move_to(AFTER)
    assert _url("ticket_rename", order, line.pk) not in _html(client.get(_url("order", order)))
    late = client.post(_url("ticket_rename", order, line.pk), {"name": "Sam Roux", "email": "sam@example.org"})
    assert late.status_code == 409 and "le délai est passé" in _html(late)
    line.refresh_from_db()
    assert line.attendee_name == "Alix Moreau"


def test_rename_off_or_bad_input_changes_nothing(policy: Shop) -> None:
    order = _paid(policy)
    line = order.lines.filter(kind=ProductKind.TICKET).first()
    client = Client()
    bad = client.post(_url("ticket_rename", order, line.pk), {"name": "", "email": "pas-une-adresse"})
    assert bad.status_code == 400
    text = _html(bad)
    assert "Indiquez le nom de la personne." in text and "Saisissez une adresse e-mail valide." in text
    policy.event.self_rename = False
    policy.event.save(update_fields=["self_rename"])
    assert _url("ticket_rename", order, line.pk) not in _html(client.get(_url("order", order)))
    refused = client.post(_url("ticket_rename", order, line.pk), {"name": "Sam Roux", "email": "sam@example.org"})
    assert refused.status_code == 409
    line.refresh_from_db()
    assert line.attendee_name != "Sam Roux" and not RevokedTicket.objects.exists()


def test_renames_are_limited_per_order(policy: Shop) -> None:
    order = _paid(policy)
    line = order.lines.filter(kind=ProductKind.TICKET).first()
    client = Client()
    for n in range(5):
        response = client.post(_url("ticket_rename", order, line.pk), {"name": f"Nom {n}", "email": "x@example.org"})
        assert response.status_code == 302
    response = client.post(_url("ticket_rename", order, line.pk), {"name": "Nom 6", "email": "x@example.org"})
    assert response.status_code == 429
    line.refresh_from_db()
    assert line.attendee_name == "Nom 4"


# --- the policy on the event page, and its settings in the back office -----------------------------


def test_the_event_page_shows_the_policy(policy: Shop) -> None:
    url = reverse("shop:event", args=[policy.organizer.slug, "jip"])
    page = _html(Client().get(url))
    assert "Annulation et remboursement possibles jusqu'à 7 jours avant la date." in page
    assert "Changement de nom possible." in page
    event_update(event=policy.event, values={"self_cancel_days": 0, "self_rename": False})
    page = _html(Client().get(url))
    assert "Annulation et remboursement possibles jusqu'au début de la date." in page
    assert "Changement de nom" not in page
    event_update(event=policy.event, values={"self_cancel_days": None})
    page = _html(Client().get(url))
    assert 'id="self-service-policy"' not in page and "Annulation" not in page


def test_the_back_office_sets_the_policy(policy: Shop, client: Client) -> None:
    from billetterie.organizers.models import Role
    from tests.factories import team_member_create

    client.force_login(team_member_create(policy.organizer, role=Role.TICKETING))
    url = reverse("backoffice:catalog:event_edit", args=[policy.organizer.slug, policy.event.pk])
    form = _html(client.get(url))
    assert "Les acheteurs peuvent annuler et être remboursés jusqu'à (jours avant la date)" in form
    assert "Les acheteurs peuvent changer le nom d'un participant" in form
    data = {"title": "JIP 2027", "slug": "jip", "section": "tickets", "position": "0", "publication": "published",
            "theme": "Soirées", "venue": "Salle des fêtes, Souillac", "self_cancel_days": "3"}
    assert client.post(url, {**data, "self_cancel_days": "-1"}).status_code in (400, 422)
    assert client.post(url, data).status_code == 302
    policy.event.refresh_from_db()
    assert policy.event.self_cancel_days == 3 and policy.event.self_rename is False
    entry = AuditEntry.objects.filter(action="event.changed", subject_id=policy.event.pk).latest("id")
    assert entry.changes["self_cancel_days"] == [7, 3] and entry.changes["self_rename"] == [True, False]

