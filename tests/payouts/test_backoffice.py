"""The payouts pages (« Versements »): who may see and import, the list and its totals in euros,
a payout's lines, what to check, the report files, the uploads, Stripe's fetch button, and the
bank statement import moved here from the operators' admin."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from billetterie.orders.models import OrderState
from billetterie.organizers.models import Role
from billetterie.payments.models import Payment, StatementImport, StatementImportState
from billetterie.payouts.models import Payout, PayoutImport
from billetterie.payouts.services import payouts_file_import
from billetterie_fakes.servers.stripe_payouts import State
from tests.factories import Shop, order_placed, shop_create, team_member_create
from tests.payouts.helpers import paid, stripe_set_up, ts

pytestmark = pytest.mark.django_db

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
BANK_FILE = "date;reference;amount;fee\n03/02/2026;100001;15,00;0,25\n03/02/2026;999999;12,00;0,20\n"


def url(shop: Shop, name: str, *args: Any) -> str:
    return reverse(f"backoffice:payouts:{name}", args=[shop.organizer.slug, *args])


def signed_in(client: Client, shop: Shop, role: str = Role.TREASURY) -> Client:
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _a_payout(shop: Shop) -> Payout:
    paid(shop, provider="systempay", psp_reference="100001")
    payouts_file_import(organizer_id=shop.organizer.pk, provider="systempay", content=BANK_FILE)
    return Payout.objects.get(organizer=shop.organizer)


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.parametrize("role", [Role.CHECKIN, Role.BOX_OFFICE, Role.READ_ONLY, Role.TICKETING])
def test_without_the_books_every_page_and_action_is_refused(client: Client, shop: Shop, role: str) -> None:
    payout = _a_payout(shop)
    signed_in(client, shop, role)
    for name, args in (("index", ()), ("detail", (payout.pk,)), ("to_check", ()), ("imports", ()),
                       ("statements", ()), ("export", ())):
        assert client.get(url(shop, name, *args)).status_code == 403, name
    for name in ("stripe_fetch", "paypal_import", "bank_import", "rematch", "statements"):
        assert client.post(url(shop, name), FEB).status_code == 403, name


def test_the_list_shows_the_periods_payouts_and_totals_in_euros(client: Client, shop: Shop) -> None:
    payout = _a_payout(shop)
    signed_in(client, shop)
    page = client.get(url(shop, "index"), FEB).content.decode()
    assert f'id="payout-{payout.pk}"' in page
    assert "27,00\xa0€" in page and "0,45\xa0€" in page and "26,55\xa0€" in page  # gross, fees, net
    assert "Versements" in page and "1 ligne" in page
    assert f'id="payout-{payout.pk}"' not in client.get(url(shop, "index"), {"start": "2026-03-01",
                                                                            "end": "2026-03-31"}).content.decode()
    bad = client.get(url(shop, "index"), {"start": "2026-03-01", "end": "2026-02-01"})
    assert bad.status_code == 400 and "La fin de la période est avant son début" in bad.content.decode()
    detail = client.get(url(shop, "detail", payout.pk)).content.decode()
    assert "Aucun paiement de chez nous" in detail and "Dans nos enregistrements" in detail
    assert client.get(url(shop, "to_check"), FEB).content.decode().count('id="item-') == 1


def test_another_organisers_payouts_and_jobs_are_not_found(client: Client, shop: Shop) -> None:
    payout = _a_payout(shop)
    other = shop_create(slug="autre")
    signed_in(client, other, Role.ADMIN)
    assert client.get(url(other, "detail", payout.pk)).status_code == 404
    assert f"payout-{payout.pk}" not in client.get(url(other, "index"), FEB).content.decode()
    job = StatementImport.objects.create(organizer=shop.organizer, filename="x.csv")
    assert client.get(url(other, "statement", job.pk)).status_code == 404
    fetch = PayoutImport.objects.create(organizer=shop.organizer, period_start=date(2026, 2, 1),
                                        period_end=date(2026, 2, 28))
    assert client.get(url(other, "fetch", fetch.pk)).status_code == 404


def test_the_report_in_csv_for_french_excel_and_in_xlsx(client: Client, shop: Shop) -> None:
    _a_payout(shop)
    signed_in(client, shop)
    response = client.get(url(shop, "export"), {**FEB, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and "Date d'arrivée;" in text and ";27,00;0,45;26,55;" in text
    book = load_workbook(io.BytesIO(client.get(url(shop, "export"), {**FEB, "format": "xlsx"}).content))
    assert book.sheetnames == ["Versements", "Lignes"] and book["Lignes"].max_row == 3


def test_uploading_a_bank_service_file_and_a_bad_one(client: Client, shop: Shop) -> None:
    paid(shop, provider="systempay", psp_reference="100001")
    signed_in(client, shop)
    response = client.post(url(shop, "bank_import"), {"bank-provider": "systempay",
                                                      "bank-file": _upload("remises.csv", BANK_FILE)})
    assert response.status_code == 302 and Payout.objects.count() == 1
    again = client.post(url(shop, "bank_import"), {"bank-provider": "systempay",
                                                   "bank-file": _upload("remises.csv", BANK_FILE)}, follow=True)
    assert "1 déjà importé" in again.content.decode() and Payout.objects.count() == 1
    bad = client.post(url(shop, "bank_import"), {"bank-provider": "systempay",
                                                 "bank-file": _upload("b.csv", "date;reference;amount\nhier;1;2\n")})
    assert bad.status_code == 422 and "Ligne 2\xa0: la date non compris" in bad.content.decode()
    paypal = client.post(url(shop, "paypal_import"), {"paypal-file": _upload("p.csv", "a,b\n1,2\n")})
    assert paypal.status_code == 422 and "colonnes" in paypal.content.decode()
    assert Payout.objects.count() == 1


def test_the_stripe_button_fetches_and_shows_the_progress(client: Client, shop: Shop, stripe_fake: State) -> None:
    stripe_set_up(shop)
    payment = paid(shop, provider="stripe", psp_reference="pi_bo")
    stripe_fake.payout_add(arrival_date=ts(date(2026, 2, 3)), transactions=[
        {"source": stripe_fake.charge_add(payment_intent="pi_bo", amount=1500), "amount": 1500, "fee": 46}])
    signed_in(client, shop)
    response = client.post(url(shop, "stripe_fetch"), FEB)
    job = PayoutImport.objects.get()
    assert response.status_code == 302 and response["Location"] == url(shop, "fetch", job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Terminé" in page and "1 versement(s) lu(s), 1 ajouté(s)" in page
    assert Payout.objects.get().items.get().payment == payment
    other = shop_create(slug="autre")
    signed_in(client, other, Role.ADMIN)
    refused = client.post(url(other, "stripe_fetch"), FEB)  # no Stripe set up there
    assert refused.status_code == 422 and "Stripe n&#x27;est pas configuré" in refused.content.decode()


def test_a_bank_statement_uploaded_in_the_back_office_records_the_transfer(client: Client, shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    signed_in(client, shop)
    statement = f"Date;Libellé;Montant\n03/02/2026;VIR DURAND {order.code};15,00\n04/02/2026;FRAIS;-2,00\n"
    response = client.post(url(shop, "statements"), {"statement-file": _upload("releve.csv", statement)})
    job = StatementImport.objects.get()
    assert response.status_code == 302 and response["Location"] == url(shop, "statement", job.pk)
    assert job.state == StatementImportState.DONE and job.recorded == 1
    order.refresh_from_db()
    assert order.state == OrderState.PAID and Payment.objects.get(order=order).provider == "transfer"
    page = client.get(response["Location"]).content.decode()
    assert "1 paiements enregistrés" in page or "1 paiement" in page
    listing = client.get(url(shop, "statements")).content.decode()
    assert order.code in listing and "releve.csv" in listing
    bad = client.post(url(shop, "statements"), {"statement-file": _upload("r.csv", "Date;Autre\n1;2\n")})
    assert bad.status_code == 422 and "Libellé" in bad.content.decode() and StatementImport.objects.count() == 1


def test_a_stopped_statement_import_is_resumed_from_its_page(client: Client, shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    job = StatementImport.objects.create(organizer=shop.organizer, filename="r.csv", total_lines=1,
                                         state=StatementImportState.FAILED, error="database away",
                                         content=f"Date;Libellé;Montant\n03/02/2026;{order.code};15,00\n")
    signed_in(client, shop, Role.READ_ONLY)
    assert client.post(url(shop, "statement", job.pk)).status_code == 403
    signed_in(client, shop)
    page = client.get(url(shop, "statement", job.pk)).content.decode()
    assert "Reprendre l'import" in page or 'id="statement-resume"' in page
    assert client.post(url(shop, "statement", job.pk)).status_code == 302
    job.refresh_from_db()
    assert job.state == StatementImportState.DONE and job.recorded == 1
