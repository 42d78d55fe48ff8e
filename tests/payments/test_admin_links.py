"""The admin pages that have no menu entry are reachable: the partial refund page from the payment,
the bank statement import from the statement lines; what they answer to amounts no row can hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.utils.html import escape

from billetterie.core.errors import Conflict
from billetterie.organizers.models import Organizer
from billetterie.payments.models import Payment, Refund, RefundState, StatementLine
from billetterie.payments.selectors import payment_refunded_cents
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_root(db: None) -> Client:
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.login(username="root", password="pw")
    return client


def test_confirmed_payment_links_to_its_refund_page(shop: Shop, admin_client_root: Client) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment = payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    page = admin_client_root.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert page.status_code == 200
    refund_url = f"/admin/payments/payment/{payment.pk}/refund/"
    assert f'href="{refund_url}"' in page.content.decode()
    assert admin_client_root.get(refund_url).status_code == 200


def test_unconfirmed_payment_offers_no_refund(shop: Shop, admin_client_root: Client) -> None:
    payment = Payment.objects.create(order=order_placed(shop, tickets=1, meals=0), provider="sandbox",
                                     amount_cents=1500)
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
    payment = payment_record_external(order_id=order_placed(shop, tickets=1, meals=0).pk, method="cash",
                                      amount_cents=1500)
    response = _root_client().post(f"/admin/payments/payment/{payment.pk}/refund/",
                                   {"amount": amount, "reason": "x", "refunded": "0"})
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
    order, other = order_placed(shop, tickets=1, meals=0), order_placed(shop, tickets=1, meals=0)
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
    assert (bad.amount_cents, bad.payment, bad.outcome) == (0, None, f"Montant illisible\u00a0: {amount}")
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
    order = order_placed(shop, tickets=1, meals=0)
    response = _import(_root_client(), shop.organizer, f"Date;Libellé;Montant\n01/12/2026;VIR {order.code}\x00;15,00\n")
    assert response.status_code == 400
    assert escape("Ce fichier n'est pas un fichier texte CSV\u00a0: exportez le relevé de votre banque en CSV.") in (
        response.content.decode())
    assert not StatementLine.objects.exists() and not order.payments.exists()


def test_statement_import_interrupted_by_the_database_says_what_stays(
    shop: Shop, admin_client_root: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billetterie.payments import services

    order, other = order_placed(shop, tickets=1, meals=0), order_placed(shop, tickets=1, meals=0)
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


# --- the refund page submitted twice: one refund --------------------------------------------------


def _refund_page_form(client: Client, url: str) -> dict[str, str]:
    """What the browser sends from the refund page: the hidden field as the page gave it."""
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="refunded" value="(\d+)"', page.content.decode())
    assert found, "the refund page carries what it showed as already refunded"
    return {"refunded": found.group(1)}


def test_double_submit_of_the_admin_refund_page_refunds_once(shop: Shop, admin_client_root: Client) -> None:
    payment = order_paid(shop, tickets=2, meals=0, method="sandbox").payments.get()  # 30 €
    url = f"/admin/payments/payment/{payment.pk}/refund/"
    form = {"amount": "10", "reason": "one ticket returned", **_refund_page_form(admin_client_root, url)}
    assert form["refunded"] == "0"
    first = admin_client_root.post(url, form)
    second = admin_client_root.post(url, form)  # the same page, submitted again
    assert first.status_code == 302
    assert second.status_code == 409
    message = ("Un remboursement a été fait entre-temps\u00a0: rien n'a été modifié, vérifiez le paiement "
               "avant de réessayer.")
    page = second.content.decode()
    assert escape(message) in page
    assert escape("Déjà remboursé\u00a0: 10,00\u00a0€.") in page
    # the page shown again asks for the amount afresh, with what is refunded now
    assert 'name="refunded" value="1000"' in page and 'name="amount" value=' not in page
    assert [(r.amount_cents, r.state) for r in Refund.objects.filter(payment=payment)] == [(1000, RefundState.DONE)]


def test_a_colleagues_refund_meanwhile_is_not_repeated_but_a_fresh_page_refunds(
    shop: Shop, admin_client_root: Client
) -> None:
    payment = order_paid(shop, tickets=2, meals=0, method="sandbox").payments.get()  # 30 €
    url = f"/admin/payments/payment/{payment.pk}/refund/"
    stale = {"amount": "20", "reason": "", **_refund_page_form(admin_client_root, url)}
    refund_create(payment=payment, amount_cents=500, reason="a colleague")
    assert admin_client_root.post(url, stale).status_code == 409
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [500]
    fresh = {"amount": "20", "reason": "", **_refund_page_form(admin_client_root, url)}
    assert fresh["refunded"] == "500"
    assert admin_client_root.post(url, fresh).status_code == 302
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [500, 2000]


def test_a_refund_form_without_what_the_page_showed_refunds_nothing(shop: Shop, admin_client_root: Client) -> None:
    payment = order_paid(shop, tickets=2, meals=0, method="sandbox").payments.get()  # 30 €
    response = admin_client_root.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "10"})
    assert response.status_code == 400
    assert escape("Cette page n'est plus à jour\u00a0: rouvrez-la depuis le paiement.") in response.content.decode()
    assert not Refund.objects.exists()


def test_a_failed_refund_does_not_count_as_refunded(shop: Shop, admin_client_root: Client) -> None:
    payment = order_paid(shop, tickets=2, meals=0, method="sandbox").payments.get()  # 30 €
    Refund.objects.create(payment=payment, amount_cents=3000, state=RefundState.FAILED)
    url = f"/admin/payments/payment/{payment.pk}/refund/"
    form = {"amount": "30", "reason": "", **_refund_page_form(admin_client_root, url)}
    assert form["refunded"] == "0"
    assert admin_client_root.post(url, form).status_code == 302
    assert payment.refunds.get(state=RefundState.DONE).amount_cents == 3000


def test_refund_create_checks_what_the_caller_saw_under_the_lock(shop: Shop) -> None:
    payment = order_paid(shop, tickets=2, meals=0, method="sandbox").payments.get()  # 30 €
    refund_create(payment=payment, amount_cents=1000, expected_refunded_cents=0)
    with pytest.raises(Conflict) as raised:
        refund_create(payment=payment, amount_cents=1000, expected_refunded_cents=0)
    assert raised.value.code == "refunded_meanwhile"
    assert refund_create(payment=payment, amount_cents=1000, expected_refunded_cents=1000).amount_cents == 1000
    # the other callers (staff's "refund in full" action, the API) pass nothing and are unchanged
    assert refund_create(payment=payment, amount_cents=1000).amount_cents == 1000
    assert payment_refunded_cents(payment=payment) == 3000
