"""Member prices in a real browser (issue 12, must show): a member price is refused to a buyer who
has not proved a membership, a wrong member number and name are refused without saying which;
once signed in by the emailed link (the member record joins the account of its verified email), or
with the right number and last name, the price goes into the cart and the order is placed at it.
Under the CSP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from billetterie.catalog.models import Price
from billetterie.core import clock
from billetterie.memberships.models import Member, MembershipType, ValidityRule
from billetterie.memberships.prices import price_requirement_set
from billetterie.memberships.services import MemberDetails, membership_grant
from billetterie.orders.models import Order
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def _member_price(shop: Shop) -> Member:
    annual = MembershipType.objects.create(organizer=shop.organizer, name="Adhésion annuelle",
                                           rule=ValidityRule.MONTHS, months=12)
    price = Price.objects.create(product=shop.ticket, name="Adhérent", amount_cents=800, position=3)
    price_requirement_set(price=price, type_ids=[annual.pk])
    membership = membership_grant(membership_type=annual, on=timezone.localdate(clock.now()), details=MemberDetails(
        first_name="Hélène", last_name="Lefèvre", email="helene@example.org"))
    return membership.member


def _sign_in(page: Page, live_server: Any, shop: Shop) -> None:
    """From the member-price box: ask for the sign-in link, open it from the email, sign in."""
    mail.outbox.clear()
    page.locator("#member-proof").get_by_role("link", name="Se connecter").click()
    page.locator("#link-form").get_by_label("Votre e-mail").fill("helene@example.org")
    page.get_by_role("button", name="M'envoyer un lien de connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez vos e-mails")
    [email] = [m for m in mail.outbox if m.to == ["helene@example.org"]]
    found = re.search(rf"https?://[^\s\"<>]+(/{shop.organizer.slug}/account/link/[A-Za-z0-9_-]+/)", email.body)
    assert found, email.body
    page.goto(f"{live_server.url}{found.group(1)}")
    page.locator("#link-use").get_by_role("button", name="Se connecter").click()
    expect(page.locator(".messages")).to_contain_text("Vous êtes connecté.")


def _add_member_price(page: Page) -> None:
    page.get_by_label("Quantité — Entrée, Adhérent").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()


def _place(page: Page) -> Order:
    expect(page.get_by_role("status").first).to_contain_text("Ajouté à votre panier")
    page.get_by_role("link", name="Voir le panier").click()
    page.get_by_label("Votre nom").fill("Hélène Lefèvre")
    page.get_by_label("Votre e-mail").fill("helene@example.org")
    person = page.locator("fieldset.person").first
    person.get_by_label(re.compile("^Nom")).fill("Hélène Lefèvre")
    person.get_by_label(re.compile("^E-mail")).fill("helene@example.org")
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(page.get_by_text("8,00 €").first).to_be_visible()
    order = Order.objects.get()
    assert order.total_cents == 800 and order.lines.get().label == "Entrée — Adhérent"
    return order


def test_a_member_price_is_refused_to_a_non_member_and_accepted_after_signing_in(
    page: Page, live_server: Any, shop: Shop,
) -> None:
    member = _member_price(shop)
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    expect(page.locator(f"#product-{shop.ticket.pk}")).to_contain_text(
        "Tarif réservé aux adhérents (Adhésion annuelle)")
    expect(page.locator("#member-proof").get_by_role("link", name="Se connecter")).to_be_visible()

    # not proved: the server refuses it, the cart stays empty
    _add_member_price(page)
    expect(page.locator(".msg-error")).to_contain_text("est un tarif adhérent")
    expect(page.locator(".cart-link .badge")).to_have_text("0")

    # a wrong name: refused, without saying whether the number or the name is wrong
    proof = page.locator("#member-proof")
    proof.get_by_label("Numéro d'adhérent").fill(member.number)
    proof.get_by_label("Nom").fill("Dupont")
    proof.get_by_role("button", name="Vérifier mon adhésion").click()
    expect(page.locator("#member-proof")).to_contain_text("ne correspondent à aucun adhérent")

    # signed in by the emailed link: the member record of that verified email joins the account
    _sign_in(page, live_server, shop)
    assert Member.objects.get(pk=member.pk).customer.email == "helene@example.org"
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    expect(page.locator("#member-proof")).to_contain_text("Votre adhésion est reconnue")
    _add_member_price(page)
    _place(page)


def test_a_member_price_is_accepted_after_the_member_number_and_name(
    page: Page, live_server: Any, shop: Shop,
) -> None:
    member = _member_price(shop)
    page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    proof = page.locator("#member-proof")
    proof.get_by_label("Numéro d'adhérent").fill(member.number.lower())
    proof.get_by_label("Nom").fill("LEFEVRE")  # case and accents aside
    proof.get_by_role("button", name="Vérifier mon adhésion").click()
    expect(page.locator(".messages")).to_contain_text("Adhésion vérifiée")
    expect(page.locator("#member-proof")).to_contain_text("Votre adhésion est reconnue")
    _add_member_price(page)
    _place(page)
