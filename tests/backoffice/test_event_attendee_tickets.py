"""The event form's « Envoyer à chaque participant son propre billet » (issue 12), and the order
page showing each add-on under the attendee it was bought for."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.catalog.services import event_duplicate
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role
from tests.factories import Shop, order_paid, team_member_create

pytestmark = pytest.mark.django_db


def _staff(client: Client, shop: Shop, role: str = Role.TICKETING) -> Client:
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def test_the_organiser_turns_attendee_tickets_on_and_off(client: Client, shop: Shop) -> None:
    staff = _staff(client, shop)
    edit = reverse("backoffice:catalog:event_edit", args=[shop.organizer.slug, shop.event.pk])
    page = staff.get(edit).content.decode()
    assert "Envoyer à chaque participant son propre billet" in page
    data = {"title": "JIP 2027", "slug": "jip", "section": "tickets", "position": "0", "publication": "published",
            "theme": "Soirées", "venue": "Salle des fêtes, Souillac", "attendee_tickets": "on"}
    assert staff.post(edit, data).status_code == 302
    shop.event.refresh_from_db()
    assert shop.event.attendee_tickets
    entry = AuditEntry.objects.filter(action="event.changed", subject_id=shop.event.pk).latest("id")
    assert entry.changes == {"attendee_tickets": [False, True]}
    assert event_duplicate(event=shop.event, title="JIP 2028", slug="", shift_days=0).attendee_tickets
    data.pop("attendee_tickets")
    assert staff.post(edit, data).status_code == 302
    shop.event.refresh_from_db()
    assert not shop.event.attendee_tickets


def test_a_new_event_sends_attendee_tickets_by_default(client: Client, shop: Shop) -> None:
    staff = _staff(client, shop)
    page = staff.get(reverse("backoffice:catalog:event_create", args=[shop.organizer.slug])).content.decode()
    assert re.search(r'<input type="checkbox" name="attendee_tickets"[^>]*\bchecked\b', page)


def test_the_order_page_shows_each_meal_under_its_attendee(client: Client, shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=1)
    first = order.lines.filter(kind="ticket").order_by("id")[0]
    assert order.lines.get(kind="addon").attached_to_id == first.pk
    staff = _staff(client, shop, Role.READ_ONLY)
    page = staff.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code])).content.decode()
    assert "Pour Camille Durand" in page.replace("\u00a0", " ")
