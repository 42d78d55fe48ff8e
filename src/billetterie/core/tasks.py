"""Domain event delivery on the money queue: right after commit, and a sweep every minute."""

from __future__ import annotations

from huey import crontab

from .events import deliver, deliver_due
from .queues import money_periodic_task, money_task

# the same priority as payment notices: a paid order's tickets follow its payment
EVENT_PRIORITY = 100


@money_task(priority=EVENT_PRIORITY)
def event_deliver_task(delivery_ids: list[int]) -> None:
    deliver(delivery_ids=delivery_ids)


@money_periodic_task(crontab(minute="*"))
def event_deliver_due() -> None:
    deliver_due()
