"""The books' foundation (decision 0027): handlers inside the change's transaction, the state
events they follow, and gapless numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction

from billetterie.core import events
from billetterie.core.sequences import sequence_last, sequence_next
from billetterie.orders.events import OrderStateChanged
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_mark_paid
from billetterie.payments.events import PaymentStateChanged
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db


@dataclass(frozen=True, kw_only=True)
class Booked(events.DomainEvent):
    name = "test.booked"
    value: int


@pytest.fixture
def seen() -> Iterator[list[events.DomainEvent]]:
    got: list[events.DomainEvent] = []

    def handler(event: events.DomainEvent) -> None:
        if isinstance(event, Booked) and event.value < 0:
            raise ValueError("refused by the books")
        got.append(event)

    for cls in (Booked, OrderStateChanged, PaymentStateChanged):
        events.subscribe_in_transaction(cls, "tests.books", handler)
    yield got
    for cls in (Booked, OrderStateChanged, PaymentStateChanged):  # only this test's: the apps' own stay
        events._in_transaction.get(cls.name, {}).pop("tests.books", None)


def test_an_in_transaction_handler_runs_at_once_and_its_refusal_rolls_the_change_back(
        shop: Shop, seen: list[events.DomainEvent]) -> None:
    with transaction.atomic():
        events.publish(Booked(value=1))
        assert seen == [Booked(value=1)]  # before commit
    order = order_placed(shop, tickets=1, meals=0)
    with pytest.raises(ValueError, match="refused"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(name="changed")
        events.publish(Booked(value=-1))
    assert Order.objects.get(pk=order.pk).name != "changed"


@pytest.mark.django_db(transaction=True)  # the other tests run inside the test's transaction
def test_publishing_outside_a_transaction_is_refused_when_the_books_listen(seen: list[events.DomainEvent]) -> None:
    with pytest.raises(RuntimeError, match="outside a transaction"):
        events.publish(Booked(value=1))


def test_an_order_tells_its_state_changes_after_saving_them(shop: Shop, seen: list[events.DomainEvent]) -> None:
    states: list[tuple[str, str, str]] = []
    events.subscribe_in_transaction(
        OrderStateChanged, "tests.books.saved",
        lambda e: states.append((e.was, e.state, Order.objects.get(pk=e.order_id).state)))
    try:
        order = order_placed(shop, tickets=1, meals=0)
        order_mark_paid(order_id=order.pk)
    finally:
        events._in_transaction[OrderStateChanged.name].pop("tests.books.saved")
    pending, paid = OrderState.PENDING, OrderState.PAID
    assert states == [("", pending, pending), (pending, paid, paid)]


def test_a_sequence_counts_from_one_and_a_rollback_gives_its_number_back(shop: Shop) -> None:
    org = shop.organizer.pk
    with transaction.atomic():
        assert [sequence_next(organizer_id=org, name="invoice:2026") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert sequence_next(organizer_id=org, name="invoice:2026") == 4
        1 / 0  # noqa: B018
    with transaction.atomic():
        assert sequence_next(organizer_id=org, name="invoice:2026") == 4
        assert sequence_next(organizer_id=org, name="invoice:2027") == 1  # another series
        assert sequence_next(organizer_id=org + 1, name="invoice:2026") == 1  # another organiser
    assert sequence_last(organizer_id=org, name="invoice:2026") == 4


@pytest.mark.django_db(transaction=True)
def test_a_sequence_refuses_to_number_outside_a_transaction(shop: Shop) -> None:
    with pytest.raises(RuntimeError):
        sequence_next(organizer_id=shop.organizer.pk, name="invoice:2026")


def test_the_handlers_that_take_a_number_run_last_so_their_lock_is_held_briefly() -> None:
    """A gapless series' row stays locked until the sale commits: the handlers that number (the
    tickets, invoices, tax receipts and the journal) run after the rest of the books' work."""
    names = list(events._in_transaction[OrderStateChanged.name])
    numbering = ["tickets.series", "invoicing.order_state", "taxreceipts.issue", "journal.order_state"]
    assert names.index("ledger.order") < min(names.index(n) for n in numbering)
    assert [n for n in names if n in numbering] == numbering  # the journal, organiser-wide, last
    events.subscribe_in_transaction(OrderStateChanged, "tests.books.late", lambda e: None)
    try:  # registered after them, it still runs before them
        later = list(events._in_transaction[OrderStateChanged.name])
        assert later.index("tests.books.late") < later.index("tickets.series")
        assert later[-len(numbering):] == numbering
    finally:
        events._in_transaction[OrderStateChanged.name].pop("tests.books.late")


def test_a_step_returned_by_a_handler_that_does_not_number_is_refused() -> None:
    events.subscribe_in_transaction(Booked, "tests.books.lost_step", lambda e: (lambda: None))
    try:
        with pytest.raises(TypeError, match="numbers=True"), transaction.atomic():
            events.publish(Booked(value=1))
    finally:
        events._in_transaction[Booked.name].pop("tests.books.lost_step")
