"""« Marquer comme vérifié » (issue 11 review): a payment the payment code flagged for staff
(`Payment.needs_attention`) is cleared from the order's page by Trésorerie or an administrator,
audited, and the dashboard's « payments needing attention » drops it; reading is not enough,
another organiser's payment is not found, a second click changes nothing."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.core.models import AuditEntry
from billetterie.organizers.models import Role
from billetterie.payments.models import Payment
from billetterie.reporting.selectors import payments_to_watch
from tests.factories import Shop, order_paid, shop_create, team_member_create

pytestmark = pytest.mark.django_db
FLAG = "Le prestataire de paiement signale un remboursement fait hors de la billetterie."


def _flagged(shop: Shop) -> Payment:
    order = order_paid(shop, method="cash")
    payment = order.payments.get()
    Payment.objects.filter(pk=payment.pk).update(needs_attention=FLAG)
    return payment


def _client(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _url(shop: Shop, payment: Payment) -> str:
    return reverse("backoffice:orders:payment_checked", args=[shop.organizer.slug, payment.order.code, payment.pk])


def test_treasury_marks_a_flagged_payment_checked_and_the_dashboard_drops_it(shop: Shop) -> None:
    payment = _flagged(shop)
    assert payments_to_watch(organizer_id=shop.organizer.pk).flagged_count == 1
    client = _client(shop)
    detail = reverse("backoffice:orders:detail", args=[shop.organizer.slug, payment.order.code])
    page = html.unescape(client.get(detail).content.decode())
    assert FLAG in page and "Marquer comme vérifié" in page and _url(shop, payment) in page

    response = client.post(_url(shop, payment), follow=True)
    text = html.unescape(response.content.decode())
    assert "Le paiement est marqué comme vérifié." in text and "Marquer comme vérifié" not in text
    payment.refresh_from_db()
    assert payment.needs_attention == ""
    entry = AuditEntry.objects.get(action="payment.checked", subject_id=payment.pk)
    assert entry.changes == {"needs_attention": [FLAG, ""]} and entry.actor_label == "treasury@assoc.example"
    assert "Paiement marqué comme vérifié" in text  # the order's history
    assert payments_to_watch(organizer_id=shop.organizer.pk).flagged_count == 0

    again = client.post(_url(shop, payment), follow=True)
    assert "déjà été marqué comme vérifié" in html.unescape(again.content.decode())
    assert AuditEntry.objects.filter(action="payment.checked").count() == 1


def test_reading_is_not_enough_and_another_organisers_payment_is_not_found(shop: Shop) -> None:
    payment = _flagged(shop)
    reader = _client(shop, Role.READ_ONLY)
    assert "Marquer comme vérifié" not in html.unescape(reader.get(
        reverse("backoffice:orders:detail", args=[shop.organizer.slug, payment.order.code])).content.decode())
    assert reader.post(_url(shop, payment)).status_code == 403
    rival = shop_create(slug="rival")
    rival_admin = _client(rival, Role.ADMIN)
    assert rival_admin.post(reverse("backoffice:orders:payment_checked",
                                    args=[rival.organizer.slug, payment.order.code, payment.pk])).status_code == 404
    other_payment = order_paid(shop, method="cash").payments.get()
    assert _client(shop, Role.ADMIN).post(reverse(
        "backoffice:orders:payment_checked", args=[shop.organizer.slug, payment.order.code, other_payment.pk]
    )).status_code == 404
    payment.refresh_from_db()
    assert payment.needs_attention == FLAG
