"""Outbox delivery: one task per queued message, and a sweep every minute for retries."""

from __future__ import annotations

from huey import crontab

from billetterie.core.queues import mail_periodic_task, mail_task

from .services import outbox_send, outbox_send_due


@mail_task()
def outbox_send_task(message_id: int) -> None:
    outbox_send(message_id=message_id)


@mail_periodic_task(crontab(minute="*"))
def outbox_drain_due() -> int:
    return outbox_send_due()
