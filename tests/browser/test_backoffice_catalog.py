"""A treasurer's day without the Django admin, in a real browser (issue 11, must show): a staff
member signs in at /gestion/connexion/, creates an event with a date and a ticket with two prices
typed in euros (« 15 » and « 12,50 »), publishes it, and a buyer sees it in the shop with
« 15,00 € » and « 12,50 € »."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billetterie.catalog.models import Event, Price, Publication
from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role
from tests.browser.conftest import CspViolations
from tests.factories import PASSWORD, organizer_create, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_create_and_publish_an_event_with_prices_in_euros(page: Page, live_server: Any,
                                                               csp_violations: CspViolations) -> None:
    organizer = organizer_create("assoc")
    team_member_create(organizer, role=Role.TICKETING)

    # the catalogue asks to sign in first, then comes back
    page.goto(f"{live_server.url}/gestion/assoc/catalogue/")
    expect(page).to_have_url(re.compile(r"/gestion/connexion/\?next="))
    page.get_by_label("E-mail").fill("ticketing@assoc.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")

    # a new event: the short name follows the title
    page.get_by_role("link", name="Nouvel événement").click()
    page.get_by_label(re.compile("^Titre")).fill("Concert de printemps")
    expect(page.get_by_label(re.compile("^Nom court"))).to_have_value("concert-de-printemps")
    page.get_by_label(re.compile("^Thème")).fill("Concerts")
    page.get_by_label(re.compile("^Lieu")).fill("Église Sainte-Marie, Souillac")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text("La page est créée")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brouillon")

    # its date
    page.get_by_role("link", name="Ajouter une date").click()
    page.get_by_label(re.compile("^Début")).fill("2027-04-10T20:30")
    page.get_by_label(re.compile("^Fin")).fill("2027-04-10T23:00")
    page.get_by_label(re.compile("^Jauge|^Capacité")).fill("200")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#dates ~ .table-wrap")).to_contain_text("200")

    # a ticket: the donation's fields are not shown for it
    page.get_by_role("link", name="Ajouter un produit").click()
    expect(page.get_by_label(re.compile("^Type"))).to_have_value("ticket")
    expect(page.get_by_label(re.compile("^Don minimum"))).to_be_hidden()
    page.get_by_label(re.compile("^Nom")).fill("Entrée")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text("ajoutez ses tarifs")

    # two prices typed in euros, one of them wrong first: the message is next to the field
    for name, typed in (("Plein tarif", "15"), ("Réduit", "12,50")):
        page.get_by_role("link", name="Ajouter un tarif").click()
        page.get_by_label(re.compile("^Nom")).fill(name)
        if name == "Réduit":
            page.get_by_label(re.compile("^Montant")).fill("12,505")
            page.get_by_role("button", name="Enregistrer").click()
            expect(page.locator(".field.has-error")).to_contain_text("Saisissez un montant en euros")
            expect(page.get_by_label(re.compile("^Nom"))).to_have_value("Réduit")
        page.get_by_label(re.compile("^Montant")).fill(typed)
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".messages")).to_contain_text("Le tarif est ajouté")
    prices = page.locator("#prices ~ .table-wrap")
    expect(prices).to_contain_text(re.compile(r"15,00\s€"))
    expect(prices).to_contain_text(re.compile(r"12,50\s€"))
    assert sorted(Price.objects.values_list("amount_cents", flat=True)) == [1250, 1500]

    # published
    page.get_by_role("link", name="Concert de printemps").click()
    page.get_by_role("link", name="Modifier la page").click()
    page.get_by_label("Publié", exact=True).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publié")
    event = Event.objects.get(slug="concert-de-printemps")
    assert event.publication == Publication.PUBLISHED
    assert AuditEntry.objects.filter(action="event.changed", subject_id=event.pk,
                                     actor_label="ticketing@assoc.example").exists()

    # a buyer finds it in the shop, with the prices in euros
    buyer_context = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    csp_violations.watch_context(buyer_context)
    buyer = buyer_context.new_page()
    buyer.goto(f"{live_server.url}/assoc/")
    buyer.get_by_role("link", name="Concert de printemps").click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text("Concert de printemps")
    table = buyer.locator("table.prices")
    expect(table).to_contain_text("Plein tarif")
    expect(table).to_contain_text(re.compile(r"15,00\s€"))
    expect(table).to_contain_text(re.compile(r"12,50\s€"))
    expect(buyer.locator(".meta")).to_contain_text("Église Sainte-Marie")
    buyer_context.close()
