"""The FEC (art. A47 A-1 LPF) and the journal CSV, from the books; the back office's pages in French."""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from billetterie.catalog.models import Product
from billetterie.ledger.exports import FEC_FIELDS, amount, fec_chunks, fec_filename, journal_chunks
from billetterie.organizers.models import Organizer, Role
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed, organizer_create, team_member_create

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _today() -> object:
    with time_machine.travel("2026-10-15 10:00 +0200", tick=False) as traveller:
        yield traveller


def _sales(shop: Shop) -> None:
    Product.objects.filter(pk=shop.ticket.pk).update(vat_rate_bp=550)
    order = order_placed(shop, tickets=2, meals=1, donation_cents=500)
    cash = payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    refund_create(payment=cash, amount_cents=1200, line_id=order.lines.get(kind="addon").pk)
    other = order_placed(shop, tickets=1, meals=0)
    payment_record_external(order_id=other.pk, method="cheque", amount_cents=1000)  # a deposit


def _euros(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal(0)


def test_the_fec_has_its_18_fields_and_balances(shop: Shop) -> None:
    _sales(shop)
    data = b"".join(fec_chunks(organizer_id=shop.organizer.pk, start=date(2026, 1, 1), end=TODAY))
    text = data.decode("iso8859_15")
    rows = [line.split("\t") for line in text.split("\r\n") if line]
    assert rows[0] == list(FEC_FIELDS) and len(FEC_FIELDS) == 18
    assert all(len(row) == 18 for row in rows)
    body = rows[1:]
    assert len(body) >= 10
    assert sum(_euros(r[11]) for r in body) == sum(_euros(r[12]) for r in body) > 0
    assert {r[3] for r in body} == {"20261015"} and {r[15] for r in body} == {"20261015"}
    assert all("," in r[11] and "," in r[12] for r in body)
    # each entry balances on its own, and is numbered without gap in its journal
    entries: dict[str, Decimal] = {}
    for r in body:
        entries[r[2]] = entries.get(r[2], Decimal(0)) + _euros(r[11]) - _euros(r[12])
    assert set(entries.values()) == {Decimal(0)}
    sales = sorted(n for n in entries if n.startswith("VE"))
    assert sales == [f"VE{i:06d}" for i in range(1, len(sales) + 1)]
    accounts = {r[4] for r in body}
    assert {"530", "5112", "411", "7061", "7062", "7541", "44571"} <= accounts
    assert any(r[4] == "44571" and r[12] == "1,56" for r in body)  # 30 € of tickets at 5,5 %


def test_the_fec_is_named_after_the_siren_and_the_periods_end() -> None:
    assert fec_filename(siren="12345678900012", end=date(2026, 12, 31)) == "123456789FEC20261231.txt"
    assert fec_filename(siren="", end=date(2026, 12, 31)) == "000000000FEC20261231.txt"
    assert amount(123456) == "1234,56" and amount(5) == "0,05" and amount(0) == "0,00"


def test_the_period_and_the_organiser_bound_the_export(shop: Shop, _today: time_machine.Coordinates) -> None:
    _sales(shop)
    elsewhere = organizer_create("autre")
    assert isinstance(elsewhere, Organizer)
    assert b"".join(fec_chunks(organizer_id=elsewhere.pk, start=date(2026, 1, 1), end=TODAY)).count(b"\r\n") == 1
    before = b"".join(fec_chunks(organizer_id=shop.organizer.pk, start=date(2025, 1, 1), end=date(2025, 12, 31)))
    assert before.count(b"\r\n") == 1  # the header only


def test_the_journal_csv_is_for_french_excel(shop: Shop) -> None:
    _sales(shop)
    data = b"".join(journal_chunks(organizer_id=shop.organizer.pk, start=date(2026, 1, 1), end=TODAY))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Date", "Journal", "N° d'écriture", "Compte"]
    assert sum(_euros(r[7]) for r in rows[1:]) == sum(_euros(r[8]) for r in rows[1:])
    assert rows[1][0] == "15/10/2026"


def test_the_fec_streams_many_lines_in_chunks(shop: Shop) -> None:
    for _ in range(30):
        order = order_placed(shop, tickets=1, meals=0)
        payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    chunks = list(fec_chunks(organizer_id=shop.organizer.pk, start=date(2026, 1, 1), end=TODAY))
    lines = b"".join(chunks).count(b"\r\n")
    assert lines == 1 + 30 * 4  # the header, then per sale: cash and 411, 411 and sales


# --- the back office ---------------------------------------------------------------------------


def _client(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _text(response: object) -> str:
    return html.unescape(response.content.decode()).replace("\u00a0", " ").replace("\u202f", " ")  # type: ignore[attr-defined]


def test_the_ledger_pages_in_french_with_euros(shop: Shop) -> None:
    _sales(shop)
    client = _client(shop)
    slug = shop.organizer.slug
    page = client.get(reverse("backoffice:ledger:index", args=[slug]), {"du": "2026-01-01", "au": "2026-12-31"},
                      headers={"accept-language": "fr"})
    text = _text(page)
    assert page.status_code == 200
    assert "Grand livre" in text and "Caisse" in text and "Télécharger le FEC" in text
    closing = {b.code: b.closing_cents for b in page.context["balances"]}
    assert closing["530"] == 3500 and closing["7061"] == -2844 and closing["5112"] == 1000
    assert "35,00 €" in text and "-28,44 €" in text  # cash: 47 € received, 12 € refunded; tickets net of VAT
    account = page.context["balances"][0]
    detail = client.get(reverse("backoffice:ledger:account", args=[slug, account.account_id]),
                        headers={"accept-language": "fr"})
    assert detail.status_code == 200 and account.code in _text(detail)
    fec = client.get(reverse("backoffice:ledger:fec", args=[slug]), {"du": "2026-01-01", "au": "2026-12-31"})
    assert fec.status_code == 200
    assert fec["Content-Disposition"] == 'attachment; filename="000000000FEC20261231.txt"'
    assert b"".join(fec.streaming_content).startswith(b"JournalCode\tJournalLib")  # type: ignore[attr-defined]
    journal = client.get(reverse("backoffice:ledger:journal_csv", args=[slug]))
    assert journal.status_code == 200 and journal["Content-Type"].startswith("text/csv")


def test_a_bad_period_is_said_in_french(shop: Shop) -> None:
    client = _client(shop)
    url = reverse("backoffice:ledger:index", args=[shop.organizer.slug])
    page = client.get(url, {"du": "2026-12-31", "au": "2026-01-01"}, headers={"accept-language": "fr"})
    assert page.status_code == 400
    assert "La fin de la période doit être le même jour que son début ou après." in _text(page)
    page = client.get(url, {"du": "demain"}, headers={"accept-language": "fr"})
    assert page.status_code == 400 and "Saisissez une date" in _text(page)
    fec = client.get(reverse("backoffice:ledger:fec", args=[shop.organizer.slug]), {"du": "x"})
    assert fec.status_code == 400


def test_only_the_books_roles_see_them(shop: Shop) -> None:
    url = reverse("backoffice:ledger:index", args=[shop.organizer.slug])
    assert _client(shop, Role.TICKETING).get(url).status_code == 403
    outsider = Client()
    other = organizer_create("autre")
    outsider.force_login(team_member_create(other, role=Role.ADMIN, email="a@autre.example"))
    assert outsider.get(url).status_code == 404
    admin = _client(shop, Role.ADMIN)
    assert admin.get(url).status_code == 200
    assert admin.get(reverse("backoffice:ledger:account", args=[shop.organizer.slug, 999999])).status_code == 404
