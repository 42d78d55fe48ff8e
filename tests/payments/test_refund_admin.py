"""The back office's refunds (issue 10, item 5): the refund page lets staff choose a line and
whether the places go back on sale (yes by default); the order's page and list say « Remboursée »
or « Partiellement remboursée » with the amounts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from billetterie.catalog.models import Quota
from billetterie.orders.models import OrderState
from billetterie.payments.models import Payment, Refund
from tests.factories import Shop, order_paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: None) -> Client:
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.login(username="root", password="pw")
    return client


def _used(shop: Shop) -> int:
    return Quota.objects.get(date=shop.date).used


def _form(staff: Client, payment: Payment) -> dict[str, str]:
    page = staff.get(f"/admin/payments/payment/{payment.pk}/refund/").content.decode()
    refunded = re.search(r'name="refunded" value="(\d+)"', page)
    assert refunded is not None
    return {"refunded": refunded.group(1)}


def test_the_refund_page_releases_the_places_by_default_and_offers_the_lines(shop: Shop, staff: Client) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="card_terminal", attendees=["Alex"])
    payment = order.payments.get()
    page = staff.get(f"/admin/payments/payment/{payment.pk}/refund/").content.decode()
    assert re.search(r'<input type="checkbox" name="release_places"[^>]* checked', page)
    assert "Remettre les places en vente" in page
    for line in order.lines.all():
        assert f'<option value="{line.pk}">Entrée — Adulte — Alex (15,00\u00a0€)</option>' in page


def test_a_full_refund_from_the_page_shows_refunded_with_the_amount(shop: Shop, staff: Client) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    payment = order.payments.get()
    response = staff.post(f"/admin/payments/payment/{payment.pk}/refund/",
                          {"amount": "15", "reason": "annulation", "release_places": "on", **_form(staff, payment)})
    assert response.status_code == 302 and response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _used(shop) == 0
    page = staff.get(response["Location"]).content.decode()
    assert "Remboursement de 15,00\u00a0€" in page  # the message
    assert "Remboursée\u00a0: 15,00\u00a0€ remboursés sur 15,00\u00a0€" in page
    listing = staff.get("/admin/orders/order/").content.decode()
    assert "Remboursée\u00a0: 15,00\u00a0€ remboursés sur 15,00\u00a0€" in listing
    assert order.code in staff.get("/admin/orders/order/?refunds=refunded").content.decode()
    assert order.code not in staff.get("/admin/orders/order/?refunds=partly_refunded").content.decode()


def test_staff_may_keep_the_places(shop: Shop, staff: Client) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    payment = order.payments.get()
    staff.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "15", **_form(staff, payment)})
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _used(shop) == 1
    assert Refund.objects.get().release_places is False


def test_a_line_chosen_without_an_amount_refunds_that_line(
    shop: Shop, staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="card_terminal")
    payment = order.payments.get()
    first = order.lines.order_by("id").first()
    assert first is not None
    form = {"amount": "", "line": str(first.pk), "release_places": "on", **_form(staff, payment)}
    with django_capture_on_commit_callbacks(execute=True):  # the ticket is revoked after the commit
        response = staff.post(f"/admin/payments/payment/{payment.pk}/refund/", form)
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.line_id, refund.amount_cents) == (first.pk, 1500) and _used(shop) == 1
    page = staff.get(response["Location"]).content.decode()
    assert "Partiellement remboursée\u00a0: 15,00\u00a0€ remboursés sur 30,00\u00a0€" in page
    assert "Annulé le" in page  # the line's ticket, taken back
    assert order.code in staff.get("/admin/orders/order/?refunds=partly_refunded").content.decode()
    # the line is no longer offered
    again = staff.get(f"/admin/payments/payment/{payment.pk}/refund/").content.decode()
    assert f'<option value="{first.pk}">' not in again


def test_neither_an_amount_nor_a_line_is_refused_with_a_message(shop: Shop, staff: Client) -> None:
    _order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    payment = _order.payments.get()
    response = staff.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "", **_form(staff, payment)})
    assert response.status_code == 400
    assert "Indiquez le montant à rembourser, ou choisissez une ligne." in response.content.decode()
    assert not Refund.objects.exists()


def test_a_line_beyond_what_is_left_is_refused_on_the_line(shop: Shop, staff: Client) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="card_terminal")
    payment = order.payments.get()
    first = order.lines.order_by("id").first()
    assert first is not None
    response = staff.post(f"/admin/payments/payment/{payment.pk}/refund/",
                          {"amount": "16", "line": str(first.pk), **_form(staff, payment)})
    assert response.status_code == 400
    assert "ne peut dépasser son montant (15,00\u00a0€)" in response.content.decode()


def test_the_full_refund_action_releases_the_places(shop: Shop, staff: Client) -> None:
    order = order_paid(shop, tickets=1, meals=0, method="card_terminal")
    payment = order.payments.get()
    response = staff.post("/admin/payments/payment/", {"action": "refund_full", "_selected_action": [payment.pk]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _used(shop) == 0
