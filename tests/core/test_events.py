"""Domain events (core/events.py): written with the change, delivered after it, never lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from billetterie.core import clock, events
from billetterie.core.models import DeliveryState, EventDelivery
from billetterie.core.tasks import event_deliver_due
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import OrderState
from billetterie.orders.services import order_mark_paid
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@dataclass(frozen=True, kw_only=True)
class Pinged(events.DomainEvent):
    name = "test.pinged"
    value: int


@pytest.fixture
def received() -> Iterator[list[int]]:
    seen: list[int] = []

    def handler(event: Pinged) -> None:
        if event.value < 0:
            raise ValueError("negative")
        seen.append(event.value)

    events.subscribe(Pinged, "tests.pinged", handler)
    yield seen
    events._subscribers.pop(Pinged.name, None)


def _crash_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies right after the commit: nothing is handed to the queue."""
    monkeypatch.setattr(events, "_hand_to_queue", lambda ids: None)


def test_a_paid_order_keeps_its_confirmation_when_the_process_dies_after_commit(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: OnCommit
) -> None:
    """Issue 9.1: the email was queued in on_commit, lost with a SIGKILL after the commit."""
    order = order_placed(shop, tickets=1)
    _crash_after_commit(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert order_mark_paid(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert not OutboxMessage.objects.exists()
    delivery = EventDelivery.objects.get()
    assert (delivery.event, delivery.subscriber) == ("order.paid", "notifications.order_confirmed")
    monkeypatch.undo()
    with time_machine.travel(clock.now() + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        event_deliver_due.call_local()
    message = OutboxMessage.objects.get()
    assert (message.kind, message.order_id) == (OutboxKind.ORDER_CONFIRMED, order.pk)
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DONE


def test_a_rolled_back_change_leaves_no_event(shop: Shop, received: list[int]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Pinged(value=1))
        raise RuntimeError("the change fails")
    assert not EventDelivery.objects.exists()


def test_delivered_after_commit_once(received: list[int], django_capture_on_commit_callbacks: OnCommit) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Pinged(value=7))
    assert received == [7]
    delivery = EventDelivery.objects.get()
    assert delivery.state == DeliveryState.DONE
    assert events.deliver(delivery_ids=[delivery.pk]) == 0  # a second hand-over changes nothing
    with time_machine.travel(clock.now() + timedelta(hours=1)):
        assert events.deliver_due() == 0
    assert received == [7]


def test_a_failing_subscriber_is_retried_then_shown_as_failed(
    received: list[int], django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Pinged(value=-1))
    delivery = EventDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert "ValueError: negative" in delivery.last_error
    assert events.deliver_due() == 0  # not due yet: backoff
    when = clock.now()
    for _ in range(events.MAX_ATTEMPTS):
        when += 2 * events.RETRY_MAX_DELAY
        with time_machine.travel(when):
            events.deliver_due()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == events.MAX_ATTEMPTS
    assert events.deliveries_retry(delivery_ids=[delivery.pk]) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING


def test_a_failing_subscriber_does_not_undo_the_change_nor_the_other_subscribers(
    shop: Shop, received: list[int], django_capture_on_commit_callbacks: OnCommit
) -> None:
    def broken(event: Pinged) -> None:
        raise RuntimeError("down")

    events.subscribe(Pinged, "tests.broken", broken)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Pinged(value=3))
    assert received == [3]
    states = dict(EventDelivery.objects.values_list("subscriber", "state"))
    assert states == {"tests.pinged": DeliveryState.DONE, "tests.broken": DeliveryState.PENDING}


def test_an_unknown_subscriber_is_an_error_kept_for_staff(django_capture_on_commit_callbacks: OnCommit) -> None:
    row = EventDelivery.objects.create(event="test.gone", subscriber="tests.gone", payload={})
    assert events.deliver(delivery_ids=[row.pk]) == 0
    row.refresh_from_db()
    assert "no subscriber" in row.last_error


def test_operators_see_failed_deliveries_and_retry_them_staff_do_not(admin_client: Any, client: Any) -> None:
    from django.contrib.auth.models import User

    row = EventDelivery.objects.create(event="order.paid", subscriber="notifications.order_confirmed",
                                       payload={"order_id": 1}, state=DeliveryState.FAILED, last_error="boom")
    page = admin_client.get("/admin/core/eventdelivery/")
    assert page.status_code == 200 and b"notifications.order_confirmed" in page.content
    answer = admin_client.post("/admin/core/eventdelivery/", {"action": "retry_now", "_selected_action": [row.pk]})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.state != DeliveryState.FAILED
    User.objects.create_user("guichet", password="pw-long-enough-1", is_staff=True)
    client.login(username="guichet", password="pw-long-enough-1")
    assert client.get("/admin/core/eventdelivery/").status_code == 302  # the admin is the operators' only
