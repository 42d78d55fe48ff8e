"""Customer accounts in a real browser (issue 12, must show): a buyer who ordered as a guest asks
for a sign-in link from the shop's header, opens the link from the email, finds the past order on
« Mon compte » and downloads a ticket PDF again; then signs out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.customers.models import Customer
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"https?://[^\s\"<>]+(/assoc/account/link/[A-Za-z0-9_-]+/)")


def test_a_buyer_signs_in_by_magic_link_sees_the_past_order_and_downloads_a_ticket_again(
    page: Page, live_server: Any, shop: Shop, tmp_path: Path,
) -> None:
    order = order_paid(shop, email="Camille@example.org", tickets=2, meals=0)  # as a guest, before any account
    mail.outbox.clear()

    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.locator("header").get_by_role("link", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à votre compte")
    page.locator("#link-form").get_by_label("Votre e-mail").fill("camille@example.org")
    page.get_by_role("button", name="M'envoyer un lien de connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez vos e-mails")

    [email] = [m for m in mail.outbox if m.to == ["camille@example.org"]]
    assert email.subject == "Votre lien de connexion — Association des étudiants"
    found = LINK.search(email.body)
    assert found, email.body
    page.goto(f"{live_server.url}{found.group(1)}")
    expect(page.get_by_text("Vous vous connectez en tant que camille@example.org.")).to_be_visible()
    page.locator("#link-use").get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    expect(page.locator(".messages")).to_contain_text("Vous êtes connecté.")
    row = page.locator(f"#order-{order.code}")
    expect(row).to_contain_text("Paiement validé")
    expect(row).to_contain_text("30,00")
    assert Customer.objects.get().orders.get() == order  # the guest order joined the account

    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile(r"^Billet .* \(PDF\)$")).first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith(f"billet-{order.code}-") and saved.read_bytes().startswith(b"%PDF")

    expect(page.locator("header").get_by_role("link", name="Mon compte")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator(".messages")).to_contain_text("Vous êtes déconnecté.")
    expect(page.locator("header").get_by_role("link", name="Se connecter")).to_be_visible()
