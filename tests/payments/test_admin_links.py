"""The admin pages that have no menu entry are reachable: the partial refund page from the payment,
the bank statement import from the statement lines; what they answer to amounts no row can hold."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.utils.html import escape

from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, PaymentState, Refund, StatementLine
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


# --- amounts no row can hold: a 400 or a line to check, never a 500 -------------------------------


def _root_client() -> Client:
    client = Client(raise_request_exception=False)
    client.login(username="root", password="pw")
    return client


@pytest.mark.parametrize("amount", ["1e30", "9" * 20])
def test_refund_of_an_amount_no_row_can_hold_is_400(shop: Shop, admin_client_root: Client, amount: str) -> None:
    # 1e30 made the amount parser raise decimal.InvalidOperation: a 500
    payment = Payment.objects.create(order=order_for(shop), provider="cash", amount_cents=1500,
                                     state=PaymentState.CONFIRMED)
    response = _root_client().post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": amount, "reason": "x"})
    assert response.status_code == 400
    assert escape("Indiquez un montant en euros, par exemple 10 ou 12,50.") in response.content.decode()
    assert not Refund.objects.exists()


def _import(client: Client, organizer: Organizer, csv: str) -> HttpResponse:
    return client.post("/admin/payments/statementline/import/", {
        "organizer": organizer.pk, "file": SimpleUploadedFile("releve.csv", csv.encode(), content_type="text/csv")})


@pytest.mark.parametrize("amount", ["1e30", "99999999999999999999"])
def test_statement_line_with_an_amount_no_row_can_hold_is_a_line_to_check(
    shop: Shop, admin_client_root: Client, amount: str
) -> None:
    # 1e30 was a 500 in the amount parser; 20 digits overflowed the column on save, after the lines
    # before it were committed: now the line is kept with its problem and the lines after it are read
    order, other = order_for(shop), order_for(shop)
    csv = ("Date;Libellé;Montant\n"
           f"01/12/2026;VIR {order.code};{amount}\n"
           f"01/12/2026;VIR {other.code};15,00\n")
    client = _root_client()
    response = _import(client, shop.organizer, csv)
    assert response.status_code == 302
    assert response["Location"] == "/admin/payments/statementline/"
    page = client.get(response["Location"]).content.decode()
    assert escape("1 paiements enregistrés, 0 lignes déjà importées, 0 sans code de commande, 1 à vérifier.") in page
    bad = StatementLine.objects.get(label=f"VIR {order.code}")
    assert (bad.amount_cents, bad.payment, bad.outcome) == (0, None, f"Montant illisible : {amount}")
    assert escape(bad.outcome) in page
    assert not order.payments.exists()
    assert [p.amount_cents for p in other.payments.all()] == [1500]
    again = _import(client, shop.organizer, csv)
    assert again.status_code == 302
    assert escape("0 paiements enregistrés, 2 lignes déjà importées, 0 sans code de commande, 0 à vérifier.") in (
        client.get(again["Location"]).content.decode())
    assert StatementLine.objects.count() == 2 and Payment.objects.count() == 1


def test_a_binary_file_is_not_a_statement(shop: Shop, admin_client_root: Client) -> None:
    # a spreadsheet or a PDF chosen by mistake: its NUL bytes reached PostgreSQL, which cannot store them
    order = order_for(shop)
    response = _import(_root_client(), shop.organizer, f"Date;Libellé;Montant\n01/12/2026;VIR {order.code}\x00;15,00\n")
    assert response.status_code == 400
    assert escape("Ce fichier n'est pas un fichier texte CSV : exportez le relevé de votre banque en CSV.") in (
        response.content.decode())
    assert not StatementLine.objects.exists() and not order.payments.exists()


def test_statement_import_interrupted_by_the_database_says_what_stays(
    shop: Shop, admin_client_root: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billetterie.payments import services

    order, other = order_for(shop), order_for(shop)
    csv = ("Date;Libellé;Montant\n"
           f"01/12/2026;VIR {order.code};15,00\n"
           f"02/12/2026;VIR {other.code};15,00\n")
    record = services.payment_record_external

    def busy_on_the_second(**kwargs: Any) -> Payment:
        if kwargs["order_id"] == other.pk:
            raise OperationalError("database is locked")
        return record(**kwargs)

    monkeypatch.setattr(services, "payment_record_external", busy_on_the_second)
    client = _root_client()
    response = _import(client, shop.organizer, csv)
    assert response.status_code == 503
    assert escape("L'import s'est arrêté avant la fin du fichier (la base de données n'a pas répondu).") in (
        response.content.decode())
    assert [line.label for line in StatementLine.objects.all()] == [f"VIR {order.code}"]
    monkeypatch.undo()
    again = _import(client, shop.organizer, csv)
    assert again.status_code == 302
    assert [p.amount_cents for p in Payment.objects.order_by("order_id")] == [1500, 1500]
    assert StatementLine.objects.count() == 2
