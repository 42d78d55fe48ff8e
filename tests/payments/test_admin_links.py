"""The admin pages that have no menu entry are reachable: the partial refund page from the payment,
the bank statement import from the statement lines."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from billetterie.payments.models import Payment, PaymentState
from tests.factories import Shop
from tests.payments.helpers import order_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_root(db: None) -> Client:
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    return client


def test_confirmed_payment_links_to_its_refund_page(shop: Shop, admin_client_root: Client) -> None:
    order = order_for(shop)
    payment = Payment.objects.create(order=order, provider="cash", amount_cents=1500, state=PaymentState.CONFIRMED)
    page = admin_client_root.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert page.status_code == 200
    refund_url = f"/admin/payments/payment/{payment.pk}/refund/"
    assert f'href="{refund_url}"' in page.content.decode()
    assert admin_client_root.get(refund_url).status_code == 200


def test_unconfirmed_payment_offers_no_refund(shop: Shop, admin_client_root: Client) -> None:
    payment = Payment.objects.create(order=order_for(shop), provider="sandbox", amount_cents=1500)
    page = admin_client_root.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert f"/admin/payments/payment/{payment.pk}/refund/" not in page


def test_statement_lines_link_to_the_import(admin_client_root: Client) -> None:
    page = admin_client_root.get("/admin/payments/statementline/")
    assert page.status_code == 200
    assert 'href="/admin/payments/statementline/import/"' in page.content.decode()
    assert admin_client_root.get("/admin/payments/statementline/import/").status_code == 200
