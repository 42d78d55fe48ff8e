"""The closures' periodic job: hourly, so a day is closed soon after midnight even when the
worker was down at that moment (a closure is written once however often it runs)."""

from __future__ import annotations

from huey import crontab

from billetterie.core.queues import money_periodic_task

from .closures import closures_write_due


@money_periodic_task(crontab(minute="7"))
def journal_closures() -> None:
    closures_write_due()
