"""The back office's catalogue: a membership product gets its membership type (validity rule,
season start, months, reminder days), created with the product, edited from its page, audited;
bad settings are refused next to their field; a role without the catalogue gets 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.catalog.models import Product, ProductKind
from billetterie.core.models import AuditEntry
from billetterie.memberships.models import MembershipType, ValidityRule
from billetterie.organizers.models import Role
from tests.factories import Shop, team_member_create

pytestmark = pytest.mark.django_db


def _client(client: Client, shop: Shop, role: str = Role.ADMIN) -> Client:
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _edit_url(shop: Shop) -> str:
    return reverse("backoffice:catalog:membership_type_edit",
                   args=[shop.organizer.slug, shop.memberships.pk, shop.membership.pk])


VALID: dict[str, Any] = {"name": "Adhésion 2026-2027", "rule": ValidityRule.MONTHS, "season_start_day": 1,
                         "season_start_month": 9, "months": 6, "reminder_days": "7, 30 ,0", "active": "on"}


def test_creating_a_membership_product_creates_its_type(client: Client, shop: Shop) -> None:
    staff = _client(client, shop)
    response = staff.post(reverse("backoffice:catalog:product_create", args=[shop.organizer.slug, shop.memberships.pk]),
                          {"kind": ProductKind.MEMBERSHIP, "name": "Adhésion famille", "position": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(name="Adhésion famille")
    membership_type = MembershipType.objects.get(product=product)
    assert (membership_type.name, membership_type.rule, membership_type.reminder_days) == (
        "Adhésion famille", ValidityRule.SEASON, "30,7,0")
    assert AuditEntry.objects.filter(action="membership_type.created", subject_id=membership_type.pk).exists()
    page = staff.get(reverse("backoffice:catalog:product", args=[shop.organizer.slug, shop.memberships.pk,
                                                                  product.pk])).content.decode()
    assert "Validité et rappels" in page and "Une saison à partir du jour 1 du mois 9" in page


def test_the_type_is_edited_from_the_product_and_audited(client: Client, shop: Shop) -> None:
    staff = _client(client, shop)
    assert "Validité" in staff.get(_edit_url(shop)).content.decode()  # no type yet: the defaults shown
    response = staff.post(_edit_url(shop), VALID)
    assert response.status_code == 302
    membership_type = MembershipType.objects.get(product=shop.membership)
    assert (membership_type.rule, membership_type.months, membership_type.reminder_days) == ("months", 6, "30,7,0")
    entry = AuditEntry.objects.get(action="membership_type.changed", subject_id=membership_type.pk)
    assert entry.changes["months"] == [12, 6]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("season_start_day", 31, "Saisissez un jour qui existe dans ce mois."),
    ("months", 0, "supérieure ou égale à 1"),
    ("reminder_days", "30, sept", "Saisissez des jours de 0 à 365 séparés par des virgules"),
    ("reminder_days", "400", "Saisissez des jours de 0 à 365 séparés par des virgules"),
])
def test_bad_settings_are_refused_next_to_the_field(client: Client, shop: Shop, field: str, value: Any,
                                                    message: str) -> None:
    staff = _client(client, shop)
    data = {**VALID, "season_start_month": 11 if field == "season_start_day" else 9, field: value}
    response = staff.post(_edit_url(shop), data)
    assert response.status_code in (400, 422) and message in response.content.decode()
    assert not MembershipType.objects.filter(product=shop.membership).exists()


def test_not_for_a_ticket_nor_without_the_catalogue(client: Client, shop: Shop) -> None:
    staff = _client(client, shop)
    ticket_url = reverse("backoffice:catalog:membership_type_edit",
                         args=[shop.organizer.slug, shop.event.pk, shop.ticket.pk])
    assert staff.get(ticket_url).status_code == 404
    client.logout()
    readonly = _client(Client(), shop, Role.READ_ONLY)
    assert readonly.get(_edit_url(shop)).status_code == 403


def test_a_duplicated_membership_page_copies_the_types_settings(client: Client, shop: Shop) -> None:
    MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", product=shop.membership,
                                  rule=ValidityRule.MONTHS, months=6, reminder_days="15")
    staff = _client(client, shop)
    duplicate = reverse("backoffice:catalog:event_duplicate", args=[shop.organizer.slug, shop.memberships.pk])
    response = staff.post(duplicate, {"title": "Adhésions 2027-2028", "slug": "adhesions-2027"})
    assert response.status_code == 302, response.content.decode()[:3000]
    copy = Product.objects.get(event__slug="adhesions-2027", kind=ProductKind.MEMBERSHIP)
    copied = MembershipType.objects.get(product=copy)
    assert (copied.rule, copied.months, copied.reminder_days) == (ValidityRule.MONTHS, 6, "15")
