from __future__ import annotations

import httpx
from huey import crontab

from billetterie.core.queues import mail_periodic_task, mail_task, money_periodic_task, money_task

from .providers.sandbox import SIGNATURE_HEADER

# money first: a buyer watches their receipt page until this lands, while emails (PDF rendering)
# can wait a second; huey runs higher priorities first
NOTICE_PRIORITY = 100


@money_task(retries=10, retry_delay=3, priority=NOTICE_PRIORITY)
def sandbox_deliver_notice(notify_url: str, body: str, signature: str) -> None:
    """The sandbox PSP posting its notice; an error or a non-2xx answer makes huey retry."""
    response = httpx.post(
        notify_url,
        content=body.encode(),
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        timeout=10,
    )
    response.raise_for_status()


@money_task(retries=5, retry_delay=60, priority=NOTICE_PRIORITY)
def payment_status_check_task(payment_id: int) -> None:
    """Ask the PSP where a payment stands, after notices that contradict each other."""
    from .services import payment_status_check

    payment_status_check(payment_id=payment_id)


@money_task(retries=8, retry_delay=120)
def refund_execute_task(refund_id: int) -> None:
    """Send a stored refund to the PSP; a refund the PSP could not take stays `created` and is retried."""
    from .models import RefundState
    from .services import refund_execute

    if refund_execute(refund_id=refund_id).state == RefundState.CREATED:
        raise RuntimeError(f"refund {refund_id} not sent yet")


@money_periodic_task(crontab(minute="*/5"))
def refunds_send_due_task() -> None:
    """Refunds stored but never sent (a crash right after their commit, or the PSP down for long)."""
    from .services import refunds_send_due

    refunds_send_due()


@mail_task(retries=3, retry_delay=60)
def statement_import_task(import_id: int) -> None:
    """A bank statement's import, in chunks (slow work: the mail queue, never in a money worker's
    way); a database error stops it and the retry goes on from where it stood."""
    from .services import statement_import_run

    statement_import_run(import_id=import_id)


@mail_periodic_task(crontab(minute="*/5"))
def statement_imports_resume() -> None:
    """Imports whose worker died (a crash, a restart) are queued again: they go on from their progress."""
    from .services import statement_imports_stalled

    for import_id in statement_imports_stalled():
        statement_import_task(import_id)


@money_task(retries=5, retry_delay=30)
def refund_batch_task(batch_id: int) -> None:
    """A session-wide refund, order by order; a database error stops it and the retry goes on from
    where it stood (an order already processed is never refunded again)."""
    from .batch import refund_batch_run

    refund_batch_run(batch_id=batch_id)


@money_periodic_task(crontab(minute="*/5"))
def refund_batches_resume() -> None:
    """Session-wide refunds whose worker died (a crash, a restart) or stopped on an error go on."""
    from .batch import refund_batch_queue, refund_batches_stalled

    for batch_id in refund_batches_stalled():
        refund_batch_queue(batch_id=batch_id)
