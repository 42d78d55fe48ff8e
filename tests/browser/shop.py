"""Steps of the shop that several browser tests take."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page

from tests.factories import Shop


def checkout_one_ticket(page: Page, live_server: Any, shop: Shop, method: str) -> None:
    """One adult ticket of the JIP in the cart, the buyer's details, `method` chosen, then on to pay."""
    cart_with_one_ticket(page, live_server, shop)
    page.get_by_label(method).check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()


def cart_with_one_ticket(page: Page, live_server: Any, shop: Shop) -> None:
    """One adult ticket of the JIP in the cart, the buyer's and the attendee's details filled in."""
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    page.get_by_label("Quantité — Entrée, Adulte").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    person = page.locator("fieldset.person").first
    person.get_by_label(re.compile("^Nom")).fill("Camille Martin")
    person.get_by_label(re.compile("^E-mail")).fill("camille@example.org")


def fill_card(page: Page, number: str) -> None:
    """The sandbox payment page: a card `number` (see README's test cards), then pay."""
    page.get_by_label("Nom sur la carte").fill("Camille Martin")
    page.get_by_label("Numéro de carte").fill(number)
    page.get_by_label("Expiration (MM/AA)").fill("12/34")
    page.get_by_label("Code de sécurité").fill("123")
    page.get_by_role("button", name="Payer maintenant").click()


def fill_member(person: Any, first_name: str, last_name: str, email: str) -> None:
    """A membership line's person: the member's details the register keeps (shop/member_fields.py)."""
    person.get_by_label("Prénom").fill(first_name)
    person.get_by_label(re.compile("^Nom")).fill(last_name)
    person.get_by_label(re.compile("^E-mail")).fill(email)
    person.get_by_label("Adresse").fill("1 rue de la Gare")
    person.get_by_label("Code postal").fill("46200")
    person.get_by_label("Ville").fill("Souillac")
