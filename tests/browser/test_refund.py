"""Refunds that show, in a real browser (issue 10, item 5): staff refund an order in full from the
back office; the buyer's page and the back office say refunded with the amount, the refund email
arrives, the ticket is refused at the scanner, and the place can be bought again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import Page, expect

from billetterie.api.services import api_token_create
from billetterie.catalog.models import Quota
from billetterie.checkin.models import Scan, ScanResult
from billetterie.checkin.services import checkin_list_create
from billetterie.notifications.models import OutboxKind, OutboxMessage, OutboxState
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment
from billetterie.tickets.signing import ticket_payload
from tests.browser.conftest import CspViolations
from tests.browser.shop import checkout_one_ticket, fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)

CARD = "Carte bancaire (bac à sable)"
# « Remboursée : 15,00 € remboursés sur 15,00 € », whatever spaces the page uses
REFUNDED_IN_FULL = re.compile(r"Remboursée\s*:\s*15,00\s*€ remboursés sur 15,00\s*€")


def _buy(page: Page, live_server: Any, shop: Shop) -> None:
    checkout_one_ticket(page, live_server, shop, CARD)
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")


def _staff_signs_in(page: Page, live_server: Any) -> None:
    User.objects.create_superuser("tresoriere", "tresoriere@example.org", "pw-long-enough-1")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Nom d’utilisateur").fill("tresoriere")
    page.get_by_label("Mot de passe").fill("pw-long-enough-1")
    page.get_by_role("button", name="Connexion").click()


def _new_page(page: Page, csp_violations: CspViolations) -> Page:
    """Another person's browser (its own cookies), watched for what the policy blocks too."""
    context = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    csp_violations.watch_context(context)
    return context.new_page()


def test_staff_refund_an_order_in_full_and_everyone_sees_it(page: Page, live_server: Any, shop: Shop,
                                                            csp_violations: CspViolations) -> None:
    Quota.objects.filter(date=shop.date).update(size=1)  # one place: the refund must give it back
    _buy(page, live_server, shop)
    buyers_page = page.url
    order = Order.objects.get()
    line = order.lines.get()
    ticket_text = ticket_payload(line=line)  # the QR code of the ticket the buyer holds
    assert Quota.objects.get(date=shop.date).used == 1
    sold_out = _new_page(page, csp_violations)
    sold_out.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    expect(sold_out.locator(f"#product-{shop.ticket.pk}")).to_contain_text("Complet")
    sold_out.close()

    # staff refund it from the back office, the places released (checked by default)
    back_office = _new_page(page, csp_violations)
    _staff_signs_in(back_office, live_server)
    payment = Payment.objects.get(order=order)
    back_office.goto(f"{live_server.url}/admin/payments/payment/{payment.pk}/change/")
    back_office.get_by_role("link", name="Rembourser tout ou partie de ce paiement").click()
    back_office.get_by_label("Montant à rembourser (€)").fill("15")
    back_office.get_by_label("Motif").fill("Concert annulé pour l'acheteur")
    expect(back_office.get_by_label("Remettre les places en vente")).to_be_checked()
    mail.outbox.clear()
    back_office.get_by_role("button", name="Rembourser").click()
    # the order's page in the back office: refunded, with the amount
    expect(back_office.locator("#content")).to_contain_text(order.code)
    expect(back_office.locator(".messagelist")).to_contain_text(re.compile(r"Remboursement de 15,00\s*€"))
    expect(back_office.locator("#content")).to_contain_text(REFUNDED_IN_FULL)
    back_office.goto(f"{live_server.url}/admin/orders/order/")
    expect(back_office.locator("#result_list")).to_contain_text(REFUNDED_IN_FULL)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED

    # the buyer's page says so, with the amount, and no longer offers the ticket
    page.goto(buyers_page)
    expect(page.locator(".state")).to_contain_text("Remboursée")
    expect(page.locator(".state")).to_contain_text(re.compile(r"15,00\s*€ vous ont été remboursés"))
    expect(page.get_by_role("link", name="Télécharger le billet (PDF)")).to_have_count(0)

    # the refund email arrived: amount, method, delay
    [email] = [m for m in mail.outbox if "Remboursement" in m.subject]
    assert email.to == [order.email] and order.code in email.subject
    assert "15,00\u00a0€" in email.body and CARD in email.body and "sous 5 à 10 jours ouvrés" in email.body
    assert OutboxMessage.objects.get(kind=OutboxKind.REFUND_ISSUED).state == OutboxState.SENT

    # the ticket is refused at the door
    door = checkin_list_create(event=shop.event, name="Entrée principale", accept_test_tickets=True)
    _row, token = api_token_create(organizer=shop.organizer, name="porte", permissions="checkin")
    scanner = _new_page(page, csp_violations)
    scanner.goto(f"{live_server.url}/checkin/scan/#token={token}")
    expect(scanner.locator("body")).to_have_attribute("data-ready", "1")
    expect(scanner.locator("#wedge")).to_be_focused()
    scanner.keyboard.type(ticket_text)  # a USB scanner types the QR code and Enter
    scanner.keyboard.press("Enter")
    result = scanner.locator("#result")
    expect(result).to_have_attribute("data-result", "revoked")
    expect(result).to_contain_text("Billet annulé ou remplacé")
    assert Scan.objects.get(checkin_list=door).result == ScanResult.REVOKED

    # and the place can be bought again, by someone else
    assert Quota.objects.get(date=shop.date).used == 0
    other = _new_page(page, csp_violations)
    _buy(other, live_server, shop)
    assert Order.objects.filter(state=OrderState.PAID).count() == 1
    assert Quota.objects.get(date=shop.date).used == 1
