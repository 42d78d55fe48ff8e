"""The contact form in a real browser (issue 12, must show): a buyer writes to the organiser from
the shop's footer; the message reaches the organiser's mailbox, answered to the buyer, and the
buyer is told it was passed on (without her text: her address is not proved); the organiser
finds it in the back office's Messages and marks it handled. Under the Content-Security-Policy
(the hidden field is hidden by the stylesheet)."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.core import clock
from billetterie.messaging.models import ContactMessage
from billetterie.organizers.models import Role
from tests.factories import PASSWORD, Shop, team_member_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_buyer_writes_from_the_footer_and_the_organiser_gets_it_by_email_and_in_the_back_office(
    page: Page, live_server: Any, shop: Shop,
) -> None:
    team_member_create(shop.organizer, role=Role.TICKETING, email="billetterie@assoc.example")
    mail.outbox.clear()

    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.locator("footer").get_by_role("link", name="Nous contacter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire à Association des étudiants")
    expect(page.get_by_label("Laissez ce champ vide")).not_to_be_in_viewport()  # out of sight for people
    page.get_by_label("Votre nom").fill("Martine Lefèvre")
    page.get_by_label("Votre e-mail").fill("martine@example.org")
    page.get_by_label("Objet").fill("Repas végétarien")
    page.get_by_label("Votre message").fill("Bonjour,\nle repas de la JIP a-t-il une option végétarienne ?")
    with time_machine.travel(clock.now() + timedelta(seconds=30)):  # the time a person takes to write
        page.get_by_role("button", name="Envoyer le message").click()
        expect(page.locator("#contact-sent")).to_contain_text("a bien reçu votre message")

    # the organiser's mailbox, and the buyer's copy
    to_organizer = [m for m in mail.outbox if m.to == ["contact@assoc.example"]]
    assert len(to_organizer) == 1
    assert "Repas végétarien" in to_organizer[0].subject and "Martine Lefèvre" in to_organizer[0].subject
    assert [parseaddr(a)[1] for a in to_organizer[0].reply_to] == ["martine@example.org"]
    assert "option végétarienne" in to_organizer[0].body
    # her address is not proved (no order link, not signed in): her copy only says it was passed on
    copies = [m for m in mail.outbox if m.to == ["martine@example.org"]]
    assert len(copies) == 1 and "Association des étudiants" in copies[0].body
    assert "option végétarienne" not in copies[0].body

    # the back office lists it; it is marked handled
    page.goto(f"{live_server.url}/gestion/connexion/")
    page.get_by_label(re.compile("e-mail", re.I)).fill("billetterie@assoc.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("nav.menu").get_by_role("link", name="Messages").click()
    listed = page.locator("#messages")
    expect(listed).to_contain_text("Martine Lefèvre")
    expect(listed).to_contain_text("À traiter")
    listed.get_by_role("link", name="Repas végétarien").click()
    expect(page.locator("#body")).to_contain_text("option végétarienne")
    page.get_by_role("button", name="Marquer comme traité").click()
    expect(page.locator("#status")).to_have_text("Traité")
    assert ContactMessage.objects.get().handled_at is not None
