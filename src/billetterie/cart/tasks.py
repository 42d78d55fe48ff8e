from __future__ import annotations

from huey import crontab

from billetterie.core.queues import money_periodic_task

from .services import carts_sweep_expired


@money_periodic_task(crontab(minute="*"))
def sweep_expired_holds() -> None:
    carts_sweep_expired()
