"""The daily ticketing summary (« Relevé de billetterie », CGI art. 290 quater): the figures per
event, Paris day and price category, the cancellations, the back-office page in French and its
CSV and Excel files (decision 0028)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billetterie.cart.services import CartAdd
from billetterie.catalog.selectors import Visibility
from billetterie.core import clock
from billetterie.orders.models import Order
from billetterie.orders.services import Checkout, LineSpec, Person, order_create
from billetterie.organizers.models import Role
from billetterie.payments.order_services import order_refund
from billetterie.payments.services import payment_record_external
from billetterie.tickets.summary import SummaryFilters, cancelled_tickets, summary_days, summary_rows
from tests.factories import Shop, order_paid, sandbox_turned_on, shop_create, team_member_create

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def _sell(shop: Shop, when: datetime, *, adults: int = 0, students: int = 0) -> Order:
    """An order of `adults` then `students` tickets, placed as the API does and paid in cash at
    `when` (Paris time)."""
    prices = [shop.adult] * adults + [shop.student] * students
    lines = [LineSpec(CartAdd(product=shop.ticket, price=price, date=shop.date), Person(name="A", email="a@ex.org"))
             for price in prices]
    with time_machine.travel(when, tick=False):
        order, _created = order_create(organizer=shop.organizer, lines=lines, visibility=Visibility(staff=True),
                                       checkout=Checkout(email="a@ex.org", name="A", terms_accepted=True),
                                       channel="api")
        payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    return order


@pytest.fixture
def days() -> tuple[date, date]:
    first = timezone.localdate(clock.now(), PARIS) + timedelta(days=2)
    return first, first + timedelta(days=1)


@pytest.fixture
def sold(shop: Shop, days: tuple[date, date]) -> dict[str, Order]:
    """Day one: 2 adults at 10:00 and 1 at 23:30; day two: 1 at 00:30 (Paris time: in UTC, still
    day one)."""
    first, second = days
    orders = {
        "morning": _sell(shop, _at(first, 10), adults=2),
        "late": _sell(shop, _at(first, 23, 30), adults=1),
        "after_midnight": _sell(shop, _at(second, 0, 30), adults=1),
    }
    return orders


def test_the_summary_counts_per_paris_day_and_category(shop: Shop, days: tuple[date, date],
                                                       sold: dict[str, Order]) -> None:
    first, second = days
    rows = summary_rows(SummaryFilters(organizer_id=shop.organizer.pk))
    figures = [(r.day, r.category, r.first, r.last, r.count, r.unit_cents, r.takings_cents) for r in rows]
    assert figures == [
        (first, "Entrée — Adulte", 1, 3, 3, 1500, 4500),
        (second, "Entrée — Adulte", 4, 4, 1, 1500, 1500),  # 00:30 in Paris is the next day, not UTC's
    ]


def test_categories_and_cancellations(shop: Shop, days: tuple[date, date]) -> None:
    first, second = days
    mixed = _sell(shop, _at(first, 9), adults=1, students=2)
    _sell(shop, _at(first, 11), adults=1)
    sandbox_turned_on(shop)
    with time_machine.travel(_at(first, 12), tick=False):
        order_paid(shop, tickets=3, meals=0, method="sandbox")  # test money: never in the summary
    with time_machine.travel(_at(second, 15), tick=False):
        student = mixed.lines.filter(kind="ticket", price=shop.student).order_by("id").first()
        order_refund(order_id=mixed.pk, line_id=student.pk, reason="Annulé")
    rows = summary_rows(SummaryFilters(organizer_id=shop.organizer.pk))
    figures = [(r.category, r.first, r.last, r.count, r.unit_cents, r.takings_cents, r.cancelled,
                r.cancelled_cents, r.net_cents) for r in rows]
    assert figures == [
        ("Entrée — Adulte", 1, 4, 2, 1500, 3000, 0, 0, 3000),
        ("Entrée — Étudiant", 2, 3, 2, 1000, 2000, 1, 1000, 1000),
    ]
    [day] = summary_days(rows)
    assert (day.first, day.last, day.count, day.takings_cents, day.net_cents, day.unbroken) == (
        1, 4, 4, 5000, 4000, True)
    [cancelled] = cancelled_tickets(SummaryFilters(organizer_id=shop.organizer.pk, start=second, end=second))
    assert (cancelled.number, cancelled.category, cancelled.reason, cancelled.amount_cents) == (
        student.ticket_number.number, "Entrée — Étudiant", "refunded", 1000)
    assert cancelled_tickets(SummaryFilters(organizer_id=shop.organizer.pk, start=first, end=first)) == []


def test_filters_by_event_and_period(shop: Shop, days: tuple[date, date], sold: dict[str, Order]) -> None:
    _first, second = days
    only_second = summary_rows(SummaryFilters(organizer_id=shop.organizer.pk, start=second, end=second))
    assert [(r.first, r.last) for r in only_second] == [(4, 4)]
    assert summary_rows(SummaryFilters(organizer_id=shop.organizer.pk, event_id=shop.memberships.pk)) == []
    other = shop_create(slug="autre")
    assert summary_rows(SummaryFilters(organizer_id=other.organizer.pk)) == []


# --- the back office -------------------------------------------------------------------------------

def _client(shop: Shop, role: str = Role.TREASURY) -> Client:
    client = Client()
    client.force_login(team_member_create(shop.organizer, role=role))
    return client


def _url(shop: Shop, name: str = "index") -> str:
    return reverse(f"backoffice:ticketing:{name}", args=[shop.organizer.slug])


def test_the_page_in_french_with_euros(shop: Shop, days: tuple[date, date], sold: dict[str, Order]) -> None:
    line = sold["morning"].lines.filter(kind="ticket").order_by("id").first()
    order_refund(order_id=sold["morning"].pk, line_id=line.pk, reason="Malade")
    response = _client(shop).get(_url(shop), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in ("Relevé de billetterie", "Premier numéro", "Dernier numéro", "Recette", "000001", "000003",
                     "45,00\u00a0€", "15,00\u00a0€", "Billets annulés", "Remboursé", sold["morning"].code):
        assert expected in html, expected
    assert "4500" not in html and "1500" not in html  # amounts in euros, never centimes


def test_bad_filters_are_a_400_in_french(shop: Shop) -> None:
    client = _client(shop)
    response = client.get(_url(shop), {"start": "2027-03-10", "end": "2027-03-01"})
    assert response.status_code == 400
    assert "La date de fin doit être" in response.content.decode()
    assert client.get(_url(shop), {"event": "999999"}).status_code == 400
    assert client.get(_url(shop, "csv"), {"start": "pas une date"}).status_code == 400


def test_roles_without_books_are_refused(shop: Shop) -> None:
    assert _client(shop, Role.TICKETING).get(_url(shop)).status_code == 403
    assert _client(shop, Role.READ_ONLY).get(_url(shop, "csv")).status_code == 403
    other = shop_create(slug="autre")
    assert _client(other).get(_url(shop)).status_code == 404


def test_csv_for_french_excel(shop: Shop, days: tuple[date, date], sold: dict[str, Order]) -> None:
    first, _second = days
    response = _client(shop).get(_url(shop, "csv"), {"event": shop.event.pk, "start": first.isoformat()})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="releve-billetterie-assoc-')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:8] == ["Événement", "Jour", "Catégorie de tarif", "Premier numéro", "Dernier numéro",
                           "Billets", "Prix unitaire", "Recette"]
    assert rows[1][:8] == ["JIP 2027", first.strftime("%d/%m/%Y"), "Entrée — Adulte", "1", "3", "3", "15,00", "45,00"]
    assert len(rows) == 3


def test_excel_with_the_cancellations(shop: Shop, days: tuple[date, date], sold: dict[str, Order]) -> None:
    line = sold["late"].lines.get(kind="ticket")
    order_refund(order_id=sold["late"].pk, amount_cents=1500, reason="Malade")
    response = _client(shop).get(_url(shop, "xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary, cancelled = book.worksheets
    values = list(summary.iter_rows(values_only=True))
    assert values[1][3:11] == (1, 3, 3, 15, 45, 1, 15, 30)
    assert summary.cell(row=2, column=7).number_format == '#,##0.00 "€"'
    rows = list(cancelled.iter_rows(values_only=True))
    assert rows[1][1] == line.ticket_number.number == 3 and rows[1][6] == "Remboursé"
