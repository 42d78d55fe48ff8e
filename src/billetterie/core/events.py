"""Domain events: how a domain tells the ones above it that something happened (decision 0012).

A domain lower in the layer order (orders, payments, tickets…) never calls one above it
(notifications, checkin…). It publishes a typed event instead — `publish(OrderPaid(order_id=…))` —
inside the transaction that makes the change. `publish` writes one `EventDelivery` row per
subscriber in that same transaction, so a crash leaves either the change and its deliveries, or
neither: what must follow a change (the confirmation email, the tickets) is never lost.

After commit the deliveries are handed to the money queue, and a sweep every minute hands over
what a crash left behind. Each delivery runs its subscriber inside one transaction that also
marks it done: the subscriber's writes and the "done" mark commit together, so a subscriber's
effect on the database happens once. A subscriber that raises is rolled back alone (the change it
reacts to is committed and stays), retried with backoff, and after MAX_ATTEMPTS shown to staff as
failed in the admin. Subscribers must be quick database work; anything slow (an email, an HTTP
call) they queue on the outbox or a task of their own.

Subscribers register in their app's `AppConfig.ready()`:

    events.subscribe(OrderPaid, "notifications.order_confirmed", on_order_paid)

Some effects must be part of the change itself, not follow it: the books (a ledger posting, a
journal entry, an invoice number) are written in the very transaction of the payment or refund, so
that a crash can never leave one without the other and a posting that does not balance rolls the
change back. Those handlers register with `subscribe_in_transaction`: `publish` calls them at
once, in the caller's transaction, and what they raise propagates to the caller (decision 0027).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from django.db import connection, transaction

from . import clock
from .models import DeliveryState, EventDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
RETRY_FIRST_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
# a delivery handed to the queue is left alone by the sweep for this long (it is probably running)
SWEEP_GRACE = timedelta(seconds=30)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """An event's fields are its payload: plain JSON values (ids, codes, amounts in cents)."""

    name: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


@dataclasses.dataclass(frozen=True)
class _Subscription:
    event_class: type[DomainEvent]
    handler: Handler


_subscribers: dict[str, dict[str, _Subscription]] = {}  # event name -> subscriber name -> subscription
# event name -> subscriber name -> handler, in calling order; a numbering handler returns its step
_in_transaction: dict[str, dict[str, Callable[[Any], Any]]] = {}
_numbering: set[tuple[str, str]] = set()  # (event name, subscriber) of the handlers that take a number


def subscribe(event_class: type[E], subscriber: str, handler: Callable[[E], None]) -> None:
    """Register `handler` for `event_class` under a stable `subscriber` name (stored in each
    delivery row: renaming it orphans the deliveries still pending under the old name)."""
    _subscribers.setdefault(event_class.name, {})[subscriber] = _Subscription(event_class, handler)


NumberingStep = Callable[[], object]


def subscribe_in_transaction(event_class: type[E], subscriber: str,
                             handler: Callable[[E], NumberingStep | None], *, numbers: bool = False) -> None:
    """Register `handler` to run inside the transaction that publishes `event_class`: for work
    that must commit or roll back with the change (the books). It must be quick database work and
    raise to refuse the change; it is never retried.

    `numbers`: the handler takes the next number of a gapless series (`core.sequences`), whose row
    stays locked until the transaction ends and so makes every other sale of the series wait. Such
    a handler runs in two steps, so that the lock is taken as late as possible, with the reads done
    before it: called with the event after the other handlers (in registration order, the apps'
    order), it reads what it needs and returns the step that takes the number and writes (or None:
    nothing to number); the steps run once every handler of the event has been called, in the same
    order (every sale locks the series in one order: no deadlock)."""
    handlers = _in_transaction.setdefault(event_class.name, {})
    handlers.pop(subscriber, None)
    handlers[subscriber] = handler
    if numbers:
        _numbering.add((event_class.name, subscriber))
    # stable: registration order within each group
    _in_transaction[event_class.name] = dict(
        sorted(handlers.items(), key=lambda item: (event_class.name, item[0]) in _numbering))


def publish(event: DomainEvent) -> None:
    """Record `event` for each of its subscribers, then run its in-transaction handlers and their
    numbering steps, in the caller's transaction (the rows first: outside the series' locks)."""
    handlers = _in_transaction.get(event.name)
    if handlers and not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{event.name} published outside a transaction: its books would not follow it")
    subscriptions = _subscribers.get(event.name)
    if subscriptions:
        now = clock.now()
        payload = event.payload()
        rows = EventDelivery.objects.bulk_create(
            EventDelivery(event=event.name, payload=payload, subscriber=name, next_attempt_at=now, created_at=now)
            for name in subscriptions
        )
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _hand_to_queue(ids))
    if handlers:
        steps = []
        for name, handler in handlers.items():
            step = handler(event)
            if step is None:
                continue
            if (event.name, name) not in _numbering:  # its step would be lost: a registration's bug
                raise TypeError(f"{name} returned a numbering step but was not registered with numbers=True")
            steps.append(step)
        for step in steps:
            step()


def _hand_to_queue(ids: list[int]) -> None:
    from .tasks import event_deliver_task  # the queue's task module imports this one

    try:
        event_deliver_task(ids)
    except Exception:  # the queue is down: the sweep will deliver them, the change is committed
        logger.exception("domain events %s: could not queue their delivery", ids)


def deliver(*, delivery_ids: Iterable[int]) -> int:
    """Run each pending, due delivery once; returns how many were delivered now."""
    return sum(1 for delivery_id in delivery_ids if _deliver_one(delivery_id))


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: deliveries that are due and were not delivered after their commit (a crash, the
    queue down, a subscriber that failed and is due again)."""
    now = now or clock.now()
    ids = list(
        EventDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver(delivery_ids=ids)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20), RETRY_MAX_DELAY)


def _deliver_one(delivery_id: int) -> bool:
    try:
        with transaction.atomic():
            row = _lock_pending(delivery_id)
            if row is None:
                return False
            subscription = _subscribers.get(row.event, {}).get(row.subscriber)
            if subscription is None:
                raise LookupError(f"no subscriber {row.subscriber!r} for {row.event!r}")
            subscription.handler(subscription.event_class(**row.payload))
            row.state, row.delivered_at, row.attempts = DeliveryState.DONE, clock.now(), row.attempts + 1
            row.save(update_fields=["state", "delivered_at", "attempts"])
        return True
    except Exception as exc:
        logger.warning("event delivery %s failed", delivery_id, exc_info=True)
        _record_failure(delivery_id, exc)
        return False


def _lock_pending(delivery_id: int) -> EventDelivery | None:
    rows = EventDelivery.objects.select_for_update(
        skip_locked=connection.features.has_select_for_update_skip_locked
    ).filter(pk=delivery_id, state=DeliveryState.PENDING)
    return rows.first()


def _record_failure(delivery_id: int, exc: BaseException) -> None:
    with transaction.atomic():
        row = EventDelivery.objects.select_for_update().filter(pk=delivery_id, state=DeliveryState.PENDING).first()
        if row is None:
            return
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = DeliveryState.FAILED
        else:
            row.next_attempt_at = clock.now() + retry_delay(row.attempts)
        row.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])


def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """Staff "retry now": failed or waiting deliveries are due again and handed to the queue."""
    with transaction.atomic():
        ids = list(
            EventDelivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), state__in=[DeliveryState.PENDING, DeliveryState.FAILED])
            .values_list("pk", flat=True)
        )
        EventDelivery.objects.filter(pk__in=ids).update(state=DeliveryState.PENDING, next_attempt_at=clock.now())
        transaction.on_commit(lambda: _hand_to_queue(ids))
    return len(ids)
