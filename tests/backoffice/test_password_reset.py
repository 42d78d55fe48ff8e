"""« Mot de passe oublié ? » for the back office (issue 11 review): Django's reset, the same answer
whether the address is known or not, limited per address and per client, a link that works once
and expires after a day, and nobody signed in by it (two-factor still asked at sign-in)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.backoffice.password_reset import RESET_PER_CLIENT, RESET_PER_EMAIL
from billetterie.core.models import AuditEntry
from tests.factories import PASSWORD, Shop, team_member_create

pytestmark = pytest.mark.django_db
START = reverse("backoffice:password_reset")
NEW_PASSWORD = "un tout nouveau mot de passe"


def _ask(client: Client, email: str) -> object:
    return client.post(START, {"email": email})


def _link() -> str:
    (email,) = mail.outbox
    match = re.search(r"http://testserver(/gestion/mot-de-passe/[^/\s]+/[^/\s]+/)", email.body)
    assert match, email.body
    return match.group(1)


def _choose(client: Client, link: str, password: str = NEW_PASSWORD) -> object:
    form_page = client.get(link)  # Django swaps the token for a session mark and redirects
    assert form_page.status_code == 302
    return client.post(form_page["Location"], {"new_password1": password, "new_password2": password})


def test_the_sign_in_page_links_to_it_in_french(client: Client) -> None:
    page = html.unescape(client.get(reverse("backoffice:login")).content.decode())
    assert START in page and "Mot de passe oublié\u00a0?" in page
    form = html.unescape(client.get(START).content.decode())
    assert "Mot de passe oublié" in form and "Envoyer le lien" in form


def test_a_known_and_an_unknown_address_get_the_same_answer(client: Client, shop: Shop) -> None:
    team_member_create(shop.organizer, email="tresoriere@assoc.example")
    known = _ask(client, "Tresoriere@assoc.example")
    unknown = _ask(client, "personne@assoc.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("backoffice:password_reset_sent")
    (email,) = mail.outbox  # only the known one
    assert email.to == ["tresoriere@assoc.example"]
    assert email.subject == "Choisissez un nouveau mot de passe pour l'espace organisateur"
    assert "une seule fois, pendant une journée" in email.body


def test_a_buyer_account_outside_any_team_gets_nothing(client: Client, shop: Shop) -> None:
    User.objects.create_user("acheteur", email="acheteur@example.org", password=PASSWORD)
    assert _ask(client, "acheteur@example.org").status_code == 302
    assert mail.outbox == []


def test_the_link_works_once_and_signs_nobody_in(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer, email="tresoriere@assoc.example")
    _ask(client, user.email)
    link = _link()
    done = _choose(client, link)
    assert done.status_code == 302 and done["Location"] == reverse("backoffice:password_reset_complete")
    assert not client.get(reverse("backoffice:home")).wsgi_request.user.is_authenticated
    assert AuditEntry.objects.filter(action="account.password_reset", subject_id=user.pk).exists()
    signed = client.post(reverse("backoffice:login"), {"email": user.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302
    again = Client().get(link, follow=True)
    assert "Ce lien ne fonctionne plus" in html.unescape(again.content.decode())


def test_the_link_expires_after_a_day(client: Client, shop: Shop) -> None:
    user = team_member_create(shop.organizer, email="tresoriere@assoc.example")
    _ask(client, user.email)
    link = _link()
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=3)):
        page = client.get(link, follow=True)
        assert "Ce lien ne fonctionne plus" in html.unescape(page.content.decode())
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_requests_are_limited_per_address_and_per_client(shop: Shop) -> None:
    team_member_create(shop.organizer, email="tresoriere@assoc.example")
    client = Client()
    for _ in range(RESET_PER_EMAIL.per_window):
        assert _ask(client, "tresoriere@assoc.example").status_code == 302
    sent = len(mail.outbox)
    refused = _ask(Client(REMOTE_ADDR="10.0.0.9"), "TRESORIERE@assoc.example")  # another client, same address
    assert refused.status_code == 429 and len(mail.outbox) == sent
    assert "Trop de demandes" in html.unescape(refused.content.decode())
    other = Client(REMOTE_ADDR="10.0.0.7")
    for n in range(RESET_PER_CLIENT.per_window):
        assert _ask(other, f"inconnu{n}@example.org").status_code == 302
    assert _ask(other, "encore@example.org").status_code == 429
