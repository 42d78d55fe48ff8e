from __future__ import annotations

from huey import crontab

from billetterie.core.queues import money_periodic_task

from .services import order_expire_due


@money_periodic_task(crontab(minute="*"))
def expire_unpaid_orders() -> None:
    order_expire_due()
