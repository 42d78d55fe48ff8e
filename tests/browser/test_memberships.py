"""Must show (issue 12, item 3): a buyer takes a membership in the shop and pays with the sandbox
card; the clock moves to 30 days before its end and the reminder job runs; the reminder email
arrives, its renewal link opens the membership page, the cart has the member's details filled
in, and paying renews that member: the new membership ends on the old end + one period."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from billetterie.core import clock
from billetterie.memberships.models import Member, Membership, MembershipType
from billetterie.notifications.memberships import membership_reminders_send
from billetterie.orders.models import Order
from tests.browser.shop import fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def _pay(page: Page) -> None:
    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")


def _add_membership(page: Page) -> None:
    page.get_by_label("Quantité — Adhésion, Ancien étudiant").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()


def test_reminder_link_renews_the_membership_from_its_end(page: Page, live_server: Any, shop: Shop,
                                                          settings: Any) -> None:
    settings.SITE_URL = live_server.url  # the links in emails
    MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", product=shop.membership,
                                  reminder_days="30,7,0")
    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.get_by_role("link", name="Adhésions 2026-2027").click()
    _add_membership(page)
    page.get_by_label("Votre nom").fill("Maëlle Lefèvre")
    page.get_by_label("Votre e-mail").fill("maelle@example.org")
    person = page.locator("fieldset.person").first
    person.get_by_label("Prénom").fill("Maëlle")
    person.get_by_label(re.compile("^Nom")).fill("Lefèvre")
    person.get_by_label(re.compile("^E-mail")).fill("maelle@example.org")
    person.get_by_label("Adresse").fill("3 rue des Lilas")
    person.get_by_label("Code postal").fill("46200")
    person.get_by_label("Ville").fill("Souillac")
    person.get_by_label("Date de naissance (facultatif)").fill("1990-05-04")
    _pay(page)
    first = Membership.objects.select_related("member", "type").get()
    assert first.end is not None and first.member.birth_date is not None
    assert first.member.city == "Souillac"

    # 30 days before the end: the job sends the reminder
    day = first.end - timedelta(days=30)
    with time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 8)), tick=True):
        assert timezone.localdate(clock.now()) == day
        mail.outbox.clear()
        assert membership_reminders_send() == 1
        assert membership_reminders_send() == 0  # run twice: still one reminder
        [reminder] = mail.outbox
        assert reminder.to == ["maelle@example.org"]
        assert "se termine le" in reminder.subject
        html = reminder.alternatives[0][0]  # type: ignore[attr-defined]
        link = re.search(r'href="([^"]+/membership/renew/[^"]+)" id="renew-link"', str(html))
        assert link is not None
        page.goto(link.group(1).replace("&amp;", "&"))
        expect(page.locator("body")).to_contain_text("Renouvellement de l'adhésion de Maëlle Lefèvre")
        _add_membership(page)
        person = page.locator("fieldset.person").first
        expect(person.get_by_label("Prénom")).to_have_value("Maëlle")
        expect(person.get_by_label(re.compile("^Nom"))).to_have_value("Lefèvre")
        expect(person.get_by_label("Ville")).to_have_value("Souillac")
        expect(person.get_by_label("Date de naissance (facultatif)")).to_have_value("1990-05-04")
        page.get_by_label("Votre nom").fill("Maëlle Lefèvre")
        page.get_by_label("Votre e-mail").fill("maelle@example.org")
        _pay(page)

    assert Order.objects.count() == 2 and Member.objects.count() == 1
    renewal = Membership.objects.exclude(pk=first.pk).get()
    assert renewal.member_id == first.member_id and renewal.renews_id == first.pk
    assert renewal.start == first.end + timedelta(days=1)
    assert renewal.end == first.end.replace(year=first.end.year + 1)  # old end + one season
