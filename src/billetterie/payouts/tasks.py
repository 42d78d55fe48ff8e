from __future__ import annotations

from billetterie.core.queues import mail_task


@mail_task(retries=2, retry_delay=60)
def payout_import_task(import_id: int) -> None:
    """A Stripe payouts fetch (slow work waiting on a remote service: the mail queue, never in a
    money worker's way); a database error stops it and the retry reads the period again."""
    from .services import payout_import_run

    payout_import_run(import_id=import_id)
