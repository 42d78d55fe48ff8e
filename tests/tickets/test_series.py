"""Tickets numbered in an uninterrupted series per event (CGI art. 290 quater), decision 0028."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billetterie.cart.services import CartAdd
from billetterie.catalog.models import Event, EventDate, Price, Product, ProductKind, Publication
from billetterie.catalog.selectors import Visibility
from billetterie.catalog.services import date_capacity_sync
from billetterie.core import clock
from billetterie.core.sequences import sequence_last
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, LineSpec, Person, order_cancel, order_create, order_mark_paid
from billetterie.payments.box_office import box_office_sell
from billetterie.payments.order_services import order_refund
from billetterie.tickets.models import TicketCancellation, TicketNumber
from billetterie.tickets.series import order_tickets_number, series_name
from tests.factories import Shop, order_paid, order_placed, sandbox_turned_on

pytestmark = pytest.mark.django_db


def _numbers(order: Order) -> list[int]:
    return list(TicketNumber.objects.filter(line__order=order).order_by("line_id").values_list("number", flat=True))


def _second_event(shop: Shop) -> tuple[Product, Price, EventDate]:
    event = Event.objects.create(organizer=shop.organizer, title="Gala", slug="gala", venue="Théâtre",
                                 publication=Publication.PUBLISHED, attendee_tickets=False)
    start = clock.now() + timedelta(days=30)
    date = EventDate.objects.create(event=event, start=start, end=start + timedelta(hours=3), capacity=50)
    date_capacity_sync(date=date)
    product = Product.objects.create(event=event, kind=ProductKind.TICKET, name="Place")
    return product, Price.objects.create(product=product, name="Plein", amount_cents=2000), date


def _sell(shop: Shop, items: list[tuple[Product, Price, EventDate]], *, box_office: bool = False) -> Order:
    """Tickets sold at the box office for cash (`box_office`), else placed as the API does and paid."""
    lines = [LineSpec(CartAdd(product=p, price=price, date=date), Person(name="A", email="a@example.org"))
             for p, price, date in items]
    checkout = Checkout(email="a@example.org", name="A", terms_accepted=True)
    if box_office:
        sale = box_office_sell(organizer=shop.organizer, lines=lines, checkout=checkout, method="cash",
                               sale_key=f"k{Order.objects.count()}", request_hash="", tendered_cents=10**6,
                               send_email=False)
        return sale.order
    order, _created = order_create(organizer=shop.organizer, lines=lines, checkout=checkout,
                                   visibility=Visibility(staff=True), channel="api")
    assert order_mark_paid(order_id=order.pk)
    return order


def test_paid_tickets_get_consecutive_numbers_meals_none(shop: Shop) -> None:
    first = order_paid(shop, tickets=2, meals=1)
    second = order_paid(shop, tickets=3, meals=0)
    assert _numbers(first) == [1, 2] and _numbers(second) == [3, 4, 5]
    # the meal attached to a ticket, the donation, a membership: no number, they are no admission
    assert not TicketNumber.objects.exclude(line__kind=ProductKind.TICKET).exists()
    row = TicketNumber.objects.get(line__order=first, number=1)
    assert (row.event_id, row.category, row.amount_cents, row.price_id, row.testmode) == (
        shop.event.pk, "Entrée — Adulte", 1500, shop.adult.pk, False)
    assert row.text == "000001"
    assert sequence_last(organizer_id=shop.organizer.pk, name=series_name(event_id=shop.event.pk)) == 5


def test_an_unpaid_order_has_no_number_until_paid(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)
    assert _numbers(order) == []
    assert order_mark_paid(order_id=order.pk)
    assert order_mark_paid(order_id=order.pk)  # paid again (a retried notice): nothing more
    assert _numbers(order) == [1, 2]
    assert order_tickets_number_again(order) == 0


def order_tickets_number_again(order: Order) -> int:
    with transaction.atomic():
        return order_tickets_number(order_id=order.pk)


def test_each_event_has_its_own_series_interleaved(shop: Shop) -> None:
    product, price, date = _second_event(shop)
    numbers: dict[int, list[int]] = {shop.event.pk: [], product.event_id: []}
    for round_ in range(3):
        a = order_paid(shop, tickets=1, meals=0)
        numbers[shop.event.pk] += _numbers(a)
        b = _sell(shop, [(product, price, date)] * (round_ + 1), box_office=True)
        numbers[product.event_id] += _numbers(b)
    assert numbers[shop.event.pk] == [1, 2, 3]
    assert numbers[product.event_id] == [1, 2, 3, 4, 5, 6]


def test_an_order_for_two_events_numbers_each_in_its_series(shop: Shop) -> None:
    product, price, date = _second_event(shop)
    order_paid(shop, tickets=1, meals=0)
    mixed = _sell(shop, [(product, price, date), (shop.ticket, shop.student, shop.date)])
    rows = {row.event_id: row.number for row in TicketNumber.objects.filter(line__order=mixed)}
    assert rows == {shop.event.pk: 2, product.event_id: 1}


def test_free_tickets_are_numbered_when_placed(shop: Shop) -> None:
    shop.adult.amount_cents = 0
    shop.adult.save(update_fields=["amount_cents"])
    order = order_placed(shop, tickets=2, meals=0)
    assert order.state == OrderState.PAID
    assert _numbers(order) == [1, 2]
    assert set(TicketNumber.objects.values_list("amount_cents", flat=True)) == {0}


def test_api_orders_are_numbered(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, channel="api", method="cash")
    assert _numbers(order) == [1, 2]


def test_test_orders_have_their_own_series(shop: Shop) -> None:
    sandbox_turned_on(shop)
    live = order_paid(shop, tickets=1, meals=0)
    test = order_paid(shop, tickets=2, meals=0, method="sandbox")
    assert test.testmode
    assert _numbers(live) == [1] and _numbers(test) == [1, 2]
    assert set(TicketNumber.objects.filter(line__order=test).values_list("testmode", flat=True)) == {True}
    after = order_paid(shop, tickets=1, meals=0)
    assert _numbers(after) == [2]  # the real series goes on where it was


def test_a_refund_keeps_the_numbers_and_records_the_cancellation(shop: Shop) -> None:
    order = order_paid(shop, tickets=2, meals=0, method="cash")
    kept = order_paid(shop, tickets=1, meals=0, method="cash")
    line = order.lines.filter(kind="ticket").order_by("id").first()
    assert line is not None
    order_refund(order_id=order.pk, amount_cents=line.amount_cents, line_id=line.pk,
                 reason="Malade")
    cancelled = TicketCancellation.objects.get()
    assert (cancelled.ticket.line_id, cancelled.reason) == (line.pk, "refunded")
    order_refund(order_id=order.pk, amount_cents=order.total_cents - line.amount_cents,
                 reason="Tout")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert _numbers(order) == [1, 2] and _numbers(kept) == [3]
    assert sorted(TicketCancellation.objects.values_list("ticket__number", flat=True)) == [1, 2]
    order_cancel(order_id=order.pk)  # cancelled after the refund: nothing more, nothing lost
    assert TicketCancellation.objects.count() == 2
    assert TicketNumber.objects.count() == 3
    assert _numbers(order_paid(shop, tickets=1, meals=0)) == [4]  # a number is never given again


def test_a_rollback_gives_its_number_back(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    with pytest.raises(RuntimeError), transaction.atomic():
        order_mark_paid(order_id=order.pk)
        assert _numbers(order) == [1]
        raise RuntimeError("the payment's transaction fails after the numbering")
    assert TicketNumber.objects.count() == 0
    assert _numbers(order_paid(shop, tickets=1, meals=0)) == [1]


def test_numbers_are_never_changed_nor_deleted(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    row = TicketNumber.objects.get()
    row.number = 7
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        TicketNumber.objects.filter(pk=row.pk).update(number=7)
    with pytest.raises(TypeError):
        TicketNumber.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():  # the order and its line are protected too
        order.lines.all().delete()
    assert TicketNumber.objects.get().number == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database's own refusal is PostgreSQL's")
def test_the_database_refuses_to_change_a_number(shop: Shop) -> None:
    order_paid(shop, tickets=1, meals=0)
    table = TicketNumber._meta.db_table
    for statement in (f"UPDATE {table} SET number = 9", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert TicketNumber.objects.get().number == 1


def test_the_ticket_pdf_and_the_order_page_show_the_number(shop: Shop) -> None:
    import pypdfium2 as pdfium
    from django.test import Client
    from django.urls import reverse

    from billetterie.organizers.models import Role
    from billetterie.tickets.layout import DEFAULT_LAYOUT
    from billetterie.tickets.models import TicketLayout
    from billetterie.tickets.pdf import order_ticket_pdfs, ticket_pdf
    from tests.factories import team_member_create

    def text(pdf: bytes) -> str:
        return " ".join("\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf)).split())

    order_paid(shop, tickets=1, meals=0)
    order = order_paid(shop, tickets=2, meals=1)
    second = order.lines.filter(kind="ticket").order_by("id").last()
    assert second is not None
    assert "Billet n° 000003" in text(ticket_pdf(line=second))
    assert [("Billet n° 00000" in text(pdf)) for _name, pdf in order_ticket_pdfs(order=order)] == [True, True]
    # an organiser's layout may print it too
    TicketLayout.objects.create(organizer=shop.organizer, html=DEFAULT_LAYOUT.replace(
        "{{ serial }}", "{{ serial }} n° {{ ticket_number }}"))
    assert "n° 000003" in text(ticket_pdf(line=second))

    client = Client()
    client.force_login(team_member_create(shop.organizer, role=Role.TICKETING))
    page = client.get(reverse("backoffice:orders:detail", args=[shop.organizer.slug, order.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Billet n°\u00a0000002" in html or "Billet n° 000002" in html
    assert "Billet n°\u00a0000003" in html or "Billet n° 000003" in html


def test_an_order_of_more_tickets_than_one_statement_binds_is_numbered_whole(shop: Shop) -> None:
    from billetterie.orders.models import OrderLine

    order = Order.objects.create(organizer=shop.organizer, code="BIG0001", email="a@example.org", name="A",
                                 total_cents=1500 * 300)
    OrderLine.objects.bulk_create(OrderLine(order=order, product=shop.ticket, price=shop.adult, kind="ticket",
                                            label="Entrée", amount_cents=1500) for _ in range(300))
    with transaction.atomic():  # Django bounds a SQLite statement at 999 values: 300 tickets × 12 take four
        assert order_tickets_number(order_id=order.pk) == 300
    assert _numbers(order) == list(range(1, 301))
