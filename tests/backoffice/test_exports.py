"""The back office's exports (issue 11, item 6; seed 004): sales in Excel with the VENTES and
PRODUITS sheets (the answers in FORMULAIRES, amounts in euros, dates as dates), the same as CSV for
French Excel, payments and refunds, members, check-ins; the job in the background with its
progress page and a private download; tenant isolation and roles; and a memory use that stays
bounded when the number of orders grows tenfold."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from billetterie.catalog.models import Question
from billetterie.checkin.services import scan_redeem
from billetterie.core.audit import AuditEntry
from billetterie.memberships.models import MembershipType
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.organizers.models import Role
from billetterie.payments.models import Payment
from billetterie.payments.providers.registry import method_get
from billetterie.payments.services import refund_create
from billetterie.reporting import exports as tables
from billetterie.reporting import services
from billetterie.reporting.models import ExportJob, ExportState
from tests.factories import Shop, door, order_paid, order_placed, shop_create, team_member_create, tickets_issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_dir(settings: Any, tmp_path: Path) -> Path:
    settings.EXPORTS_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


def _client(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _url(shop: Shop, name: str, *args: object) -> str:
    return reverse(f"backoffice:exports:{name}", args=[shop.organizer.slug, *args])


def _export(client: Client, shop: Shop, kind: str, **fields: object) -> ExportJob:
    """Ask for an export from the page; the job runs inline in the tests and its page follows."""
    data = {f"{kind}-{name}": value for name, value in fields.items()}
    data.setdefault(f"{kind}-format", "xlsx")
    response = client.post(_url(shop, "start", kind), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ExportJob.objects.latest("id")
    assert response["Location"] == _url(shop, "job", job.pk)
    return job


def _download(client: Client, shop: Shop, job: ExportJob) -> bytes:
    page = client.get(_url(shop, "job", job.pk))
    assert page.status_code == 200
    assert job.state == ExportState.DONE, (job.state, job.error)
    assert _url(shop, "download", job.pk) in page.content.decode()
    response = client.get(_url(shop, "download", job.pk))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _rows(sheet: Any) -> list[dict[str, Any]]:
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def fr(msgid: str) -> str:
    """A column whose French name the catalogue gives (shared with other pages)."""
    with translation.override("fr"):
        return translation.gettext(msgid)


def _diet(shop: Shop) -> Question:
    return Question.objects.create(product=shop.ticket, label="Régime alimentaire")


@pytest.fixture
def sales(shop: Shop) -> dict[str, Order]:
    """A paid order with answers, a pending one, a test order and another organiser's sale."""
    diet = _diet(shop)
    paid = order_paid(shop, method="cash", answers={str(diet.pk): "végétarien"}, name="Alice Martin",
                      email="alice@example.org")
    pending = order_placed(shop, tickets=1, meals=0, name="Bruno Pending")
    test = order_paid(shop, method="sandbox", tickets=1, meals=0, name="Test Sandbox")
    assert test.testmode
    rival = shop_create(slug="rival")
    order_paid(rival, tickets=1, meals=0, name="Rival Buyer")
    return {"paid": paid, "pending": pending, "test": test}


def test_sales_in_excel_have_the_ventes_and_produits_sheets_with_the_answers(shop: Shop,
                                                                             sales: dict[str, Order]) -> None:
    paid = sales["paid"]
    client = _client(shop)
    job = _export(client, shop, "sales")
    job.refresh_from_db()
    book = _book(_download(client, shop, job))
    assert book.sheetnames == ["VENTES", "PRODUITS"]

    [order] = _rows(book["VENTES"])  # the pending and the test order left out, the rival's too
    assert order["Commande"] == paid.code
    assert order["Acheteur"] == "Alice Martin" and order["E-mail"] == "alice@example.org"
    assert order["Total"] == 42.0 and order[fr("Received")] == 42.0 and order["Remboursé"] == 0.0
    assert order["Articles"] == 3
    with translation.override("fr"):
        assert order["Moyens de paiement"] == str(method_get("cash").name)  # type: ignore[union-attr]
    assert isinstance(order["Passée le"], datetime)  # an Excel date, in local time
    assert abs(order["Passée le"] - timezone.localtime(paid.created_at).replace(tzinfo=None)) < timedelta(seconds=1)
    ventes = book["VENTES"]
    total_cell = ventes.cell(row=2, column=list(_rows(ventes)[0]).index("Total") + 1)
    assert "€" in total_cell.number_format  # a number shown as euros, not centimes

    lines = _rows(book["PRODUITS"])
    assert [line["Commande"] for line in lines] == [paid.code] * 3
    tickets = [line for line in lines if line["Produit"] == "Entrée"]
    assert [t["Montant"] for t in tickets] == [15.0, 15.0]
    assert {t["Participant"] for t in tickets} == {"Camille Durand", "Léo Martin"}
    assert all(t["FORMULAIRES"] == "Régime alimentaire : végétarien" for t in tickets)
    assert all(t["Événement"] == "JIP 2027" and isinstance(t["Date"], datetime) for t in tickets)
    [meal] = [line for line in lines if line["Produit"] == "Repas"]
    assert meal["Montant"] == 12.0 and meal["FORMULAIRES"] is None

    entry = AuditEntry.objects.get(action="export.requested")
    assert entry.organizer_id == shop.organizer.pk and entry.changes["kind"] == [None, "sales"]


def test_sales_csv_for_french_excel(shop: Shop, sales: dict[str, Order]) -> None:
    client = _client(shop)
    body = _download(client, shop, _refreshed(_export(client, shop, "sales", format="csv_orders")))
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:2] == ["Commande", "Passée le"]
    values = dict(zip(header, row, strict=True))
    assert values["Commande"] == sales["paid"].code
    assert values["Total"] == "42,00" and values[fr("Received")] == "42,00"  # decimal commas, euros
    assert values["Passée le"] == timezone.localtime(sales["paid"].created_at).strftime("%d/%m/%Y %H:%M")

    items = _download(client, shop, _refreshed(_export(client, shop, "sales", format="csv_lines")))
    assert items.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(items.decode("utf-8-sig")), delimiter=";"))
    assert header[-1] == "FORMULAIRES" and len(rows) == 3
    assert {r[-1] for r in rows} == {"Régime alimentaire : végétarien", ""}
    assert "15,00" in rows[0]


def _refreshed(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


def test_a_csv_cell_cannot_be_a_formula(shop: Shop) -> None:
    order_paid(shop, tickets=1, meals=0, name="=HYPERLINK(\"http://x\")")
    client = _client(shop)
    text = _download(client, shop, _refreshed(_export(client, shop, "sales", format="csv_orders"))).decode("utf-8-sig")
    assert ";\"'=HYPERLINK" in text


def test_sales_filtered_by_event_and_period(shop: Shop) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        november = order_paid(shop, tickets=1, meals=0, name="Novembre")
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        december = order_paid(shop, tickets=1, meals=0, name="Décembre")
        member = order_paid(shop, tickets=0, meals=0, membership=True, name="Adhérente")
    client = _client(shop)
    job = _refreshed(_export(client, shop, "sales", start="2026-12-01", end="2026-12-31"))
    book = _book(_download(client, shop, job))
    assert {r["Commande"] for r in _rows(book["VENTES"])} == {december.code, member.code}
    job = _refreshed(_export(client, shop, "sales", event=shop.memberships.pk))
    book = _book(_download(client, shop, job))
    assert [r["Commande"] for r in _rows(book["VENTES"])] == [member.code]
    assert [r["Produit"] for r in _rows(book["PRODUITS"])] == ["Adhésion"]
    job = _refreshed(_export(client, shop, "sales", event=shop.event.pk, end="2026-11-30"))
    assert [r["Commande"] for r in _rows(_book(_download(client, shop, job))["VENTES"])] == [november.code]


def test_bad_filters_are_refused_next_to_the_field(shop: Shop) -> None:
    rival = shop_create(slug="rival")
    client = _client(shop)
    response = client.post(_url(shop, "start", "sales"), {"sales-format": "xlsx", "sales-start": "2026-12-10",
                                                          "sales-end": "2026-12-01"})
    assert response.status_code == 400
    assert "La date de fin doit" in response.content.decode()
    response = client.post(_url(shop, "start", "sales"), {"sales-format": "xlsx", "sales-event": rival.event.pk})
    assert response.status_code == 400
    response = client.post(_url(shop, "start", "sales"), {"sales-format": "pdf"})
    assert response.status_code == 400
    assert client.post(_url(shop, "start", "nothing"), {}).status_code == 404
    assert not ExportJob.objects.exists()


def test_payments_and_refunds(shop: Shop) -> None:
    paid = order_paid(shop, method="cheque", tickets=1, meals=0, name="Chloé Chèque")
    payment = Payment.objects.get(order=paid)
    refund_create(payment=payment, amount_cents=500, reason="Geste commercial")
    order_paid(shop, method="sandbox", tickets=1, meals=0)  # test money: left out
    client = _client(shop)
    book = _book(_download(client, shop, _refreshed(_export(client, shop, "payments"))))
    rows = _rows(book[book.sheetnames[0]])
    assert [(r["Type"], r["Commande"], r["Montant"]) for r in rows] == [
        ("Paiement", paid.code, 15.0), ("Remboursement", paid.code, -5.0),
    ]
    with translation.override("fr"):
        assert rows[0]["Moyen de paiement"] == str(method_get("cheque").name)  # type: ignore[union-attr]
    assert rows[1]["Motif"] == "Geste commercial"
    assert all(isinstance(r["Date"], datetime) and r["Référence"] for r in rows)


def test_members(shop: Shop) -> None:
    """The member register (issue 12): the memberships paid orders granted, not unpaid ones."""
    MembershipType.objects.create(organizer=shop.organizer, name="Adhésion annuelle", product=shop.membership)
    order_paid(shop, tickets=0, meals=0, membership=True, attendees=["Maëlle Adhérente"])
    order_placed(shop, tickets=0, meals=0, membership=True, attendees=["Pas Payé"])
    client = _client(shop)
    book = _book(_download(client, shop, _refreshed(_export(client, shop, "members", format="xlsx"))))
    [member] = _rows(book[book.sheetnames[0]])
    assert (member["Prénom"], member["Nom"], member["E-mail"]) == ("Maëlle", "Adhérente", "p0@example.org")
    assert member["Type d'adhésion"] == "Adhésion annuelle" and member["Tarif"] == "Ancien étudiant"
    assert member["Montant"] == 10.0 and member["N° d'adhérent"] == "A-000001"
    assert isinstance(member["Payée le"], datetime)


def test_checkins_reuse_the_checkin_export(shop: Shop) -> None:
    checkin_list, scope = door(shop)
    issued = tickets_issued(shop, 2)
    scan_redeem(scope=scope, text=issued[0][1], device_id="porte-1")
    client = _client(shop)
    job = _refreshed(_export(client, shop, "checkins", checkin_list=checkin_list.pk, scanned="1", format="csv"))
    rows = _download(client, shop, job).decode("utf-8-sig").splitlines()
    assert rows[0].split(";")[0] == "Billet n°"
    assert len(rows) == 2 and rows[1].startswith(issued[0][0].serial + ";") and "porte-1" in rows[1]
    rival_list, _scope = door(shop_create(slug="rival"))
    response = client.post(_url(shop, "start", "checkins"), {"checkins-checkin_list": rival_list.pk,
                                                             "checkins-format": "csv"})
    assert response.status_code == 400


def test_another_organisers_job_and_file_are_not_found(shop: Shop, sales: dict[str, Order]) -> None:
    client = _client(shop)
    job = _refreshed(_export(client, shop, "sales"))
    rival = shop_create(slug="rival2")
    stranger = _client(rival, Role.ADMIN)
    rival_job_url = reverse("backoffice:exports:job", args=[rival.organizer.slug, job.pk])
    rival_file_url = reverse("backoffice:exports:download", args=[rival.organizer.slug, job.pk])
    assert stranger.get(rival_job_url).status_code == 404
    assert stranger.get(rival_file_url).status_code == 404
    assert stranger.get(_url(shop, "download", job.pk)).status_code == 404  # not in that team
    assert stranger.get(_url(shop, "job", job.pk)).status_code == 404
    assert Client().get(_url(shop, "download", job.pk)).status_code == 302  # to the sign-in page
    # the file lives in the private folder, named by no guessable id
    assert Path(services.export_folder(), job.file_name).is_file() and len(job.file_name) > 20


def test_roles(shop: Shop) -> None:
    treasury = _client(shop, Role.TREASURY)
    assert treasury.get(_url(shop, "index")).status_code == 200
    ticketing = _client(shop, Role.TICKETING)
    assert ticketing.get(_url(shop, "index")).status_code == 403
    assert ticketing.post(_url(shop, "start", "sales"), {"sales-format": "xlsx"}).status_code == 403
    job = _refreshed(_export(treasury, shop, "sales"))
    assert ticketing.get(_url(shop, "job", job.pk)).status_code == 403
    assert ticketing.get(_url(shop, "download", job.pk)).status_code == 403
    assert _client(shop, Role.READ_ONLY).get(_url(shop, "download", job.pk)).status_code == 403
    assert _client(shop, Role.ADMIN).get(_url(shop, "download", job.pk)).status_code == 200


def test_index_lists_the_forms_and_recent_exports(shop: Shop) -> None:
    client = _client(shop)
    job = _refreshed(_export(client, shop, "sales"))
    html = client.get(_url(shop, "index")).content.decode()
    for text in ("Exporter les ventes", "Exporter les paiements", "Exporter les adhérents", "VENTES"):
        assert text in html
    assert _url(shop, "job", job.pk) in html and "Prêt" in html


def test_a_job_under_way_shows_its_progress_and_refreshes(shop: Shop) -> None:
    job = services.export_start(organizer_id=shop.organizer.pk, user_id=None, kind="sales", fmt="xlsx", params={},
                                queue=False)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, rows_total=4000, rows_done=1000)
    client = _client(shop)
    html = client.get(_url(shop, "job", job.pk)).content.decode()
    # it refreshes without JavaScript of its own (the menu's script, loaded by every page, aside)
    assert '<meta http-equiv="refresh"' in html and 'value="25"' in html
    assert re.search(r"<script(?![^>]*\bsrc=\"/static/backoffice/menu\.js\")", html) is None
    assert "1000 sur 4000" in html.replace("\u202f", "").replace("\xa0", " ")
    status = client.get(_url(shop, "status", job.pk)).json()
    assert status == {"state": "running", "percent": 25, "rows_done": 1000, "rows_total": 4000, "download": None}
    assert client.get(_url(shop, "download", job.pk)).status_code == 404  # no file yet


def test_a_failed_job_shows_as_failed_and_leaves_no_file(shop: Shop, sales: dict[str, Order],
                                                         monkeypatch: pytest.MonkeyPatch, _exports_dir: Path) -> None:
    def broken(rows: Any) -> Any:
        yield from []
        raise OSError("disk full")

    real = tables._orders_rows
    monkeypatch.setattr(tables, "_orders_rows", lambda f: broken(real(f)))
    client = _client(shop)
    job = _refreshed(_export(client, shop, "sales"))
    assert job.state == ExportState.FAILED and job.error == "OSError"
    html = client.get(_url(shop, "job", job.pk)).content.decode()
    assert "Échoué" in html and "refresh" not in html
    assert client.get(_url(shop, "download", job.pk)).status_code == 404
    assert list(_exports_dir.iterdir()) == []


def test_stalled_jobs_fail_and_old_files_are_deleted(shop: Shop, sales: dict[str, Order]) -> None:
    client = _client(shop)
    done = _refreshed(_export(client, shop, "sales"))
    stuck = services.export_start(organizer_id=shop.organizer.pk, user_id=None, kind="sales", fmt="xlsx", params={},
                                  queue=False)
    ExportJob.objects.filter(pk=stuck.pk).update(state=ExportState.RUNNING)
    assert services.exports_stalled_fail(now=timezone.now() + timedelta(minutes=10)) == 0  # still writing
    later = timezone.now() + timedelta(days=8)
    assert services.exports_stalled_fail(now=later) == 1
    assert services.exports_purge(now=later) == 1
    stuck.refresh_from_db()
    done.refresh_from_db()
    assert stuck.state == ExportState.FAILED and "redémarré" in client.get(_url(shop, "job", stuck.pk)).content.decode()
    assert done.state == ExportState.EXPIRED and not done.file_name
    assert client.get(_url(shop, "download", done.pk)).status_code == 404


# --- constant memory -----------------------------------------------------------------------------


def _orders_bulk(shop: Shop, count: int, start: int) -> None:
    """`count` paid orders of one ticket each, with an answer, written straight to the tables."""
    now = timezone.now()
    orders = Order.objects.bulk_create([
        Order(organizer=shop.organizer, code=f"B{start + i:07d}", state=OrderState.PAID, email=f"b{i}@example.org",
              name=f"Acheteur {start + i}", total_cents=1500, paid_at=now)
        for i in range(count)
    ], batch_size=2000)
    if orders[0].pk is None:  # backends that do not return ids (none of ours today)
        orders = list(Order.objects.filter(code__in=[o.code for o in orders]))
    OrderLine.objects.bulk_create([
        OrderLine(order=order, product=shop.ticket, price=shop.adult, date=shop.date, kind="ticket", label="Entrée",
                  amount_cents=1500, attendee_name=order.name, attendee_email=order.email,
                  answers={"Régime alimentaire": "aucun"})
        for order in orders
    ], batch_size=2000)


def _peak(job_id: int) -> int:
    tracemalloc.start()
    try:
        services.export_run(job_id=job_id)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_when_the_orders_grow_tenfold(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are read in chunks and written out as they come: ten times the orders, about the
    same peak (a writer that held the rows, or a list() of the queryset, would need ten times more)."""
    monkeypatch.setattr(tables, "CHUNK", 50)

    def run() -> tuple[ExportJob, int]:
        job = services.export_start(organizer_id=shop.organizer.pk, user_id=None, kind="sales", fmt="xlsx",
                                    params={}, queue=False)
        peak = _peak(job.pk)
        job.refresh_from_db()
        assert job.state == ExportState.DONE
        return job, peak

    _orders_bulk(shop, 50, 0)
    run()  # once first: what is loaded once (modules, translations) is not counted
    _orders_bulk(shop, 150, 50)
    small, peak_small = run()
    assert small.rows_done == 400
    _orders_bulk(shop, 1800, 200)
    big, peak_big = run()
    assert big.rows_done == 4000
    assert peak_big < peak_small * 1.5, (peak_small, peak_big)
    book = openpyxl.load_workbook(services.export_file(job=big), read_only=True)
    assert book["VENTES"].max_row == 2001 and book["PRODUITS"].max_row == 2001


def test_the_writers_never_ask_the_rows_for_their_length() -> None:
    """The tables' rows are any iterator: the writers consume them once, as they come."""
    from billetterie.core.tabular import Column, Kind, Table, write_csv, write_xlsx

    consumed = []

    def rows() -> Any:
        for i in range(3):
            consumed.append(i)
            yield [f"ligne {i}", 1234 * i]

    table = Table("T", [Column("Nom"), Column("Montant", Kind.MONEY)], rows())
    out = io.BytesIO()
    assert write_csv(out, table) == 3 and consumed == [0, 1, 2]
    assert out.getvalue().decode("utf-8-sig").splitlines() == ["Nom;Montant", "ligne 0;0,00", "ligne 1;12,34",
                                                               "ligne 2;24,68"]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.xlsx"
        assert write_xlsx(path, [Table("T", table.columns, rows())]) == 3
        sheet = openpyxl.load_workbook(path)["T"]
        assert [c.value for c in sheet[3]] == ["ligne 1", 12.34]


def test_someone_outside_the_team_exports_nothing(shop: Shop) -> None:
    user = User.objects.create_user("x")  # not in the team: nothing is exported for them
    client = Client()
    client.force_login(user)
    assert client.post(_url(shop, "start", "sales"), {"sales-format": "xlsx"}).status_code == 404
    assert not AuditEntry.objects.filter(action="export.requested").exists()
