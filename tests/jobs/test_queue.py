"""The task queue the settings build accepts what the code asks of it (priorities)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "billetterie.settings"
django.setup()
from huey.contrib.djhuey import HUEY
from billetterie.payments.tasks import sandbox_deliver_notice
HUEY.flush()
sandbox_deliver_notice("http://127.0.0.1:9/", "{}", "v1=0")  # enqueued with its priority
print(type(HUEY).__name__, HUEY.pending_count())
HUEY.flush()
"""


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_queue_takes_prioritised_tasks(tmp_path: object) -> None:
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/15", "BILLETTERIE_VAR": str(tmp_path),
           "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["PriorityRedisHuey", "1"]


def test_money_work_and_mail_are_on_separate_queues() -> None:
    """A mail server that hangs must not hold a payment back (issue 9, item 2): emails run on
    their own consumer, everything that moves money or places on the other."""
    from billetterie.cart.tasks import sweep_expired_holds
    from billetterie.core.queues import mail_huey, money_huey
    from billetterie.core.tasks import event_deliver_due, event_deliver_task
    from billetterie.notifications.tasks import outbox_drain_due, outbox_send_task
    from billetterie.orders.tasks import expire_unpaid_orders
    from billetterie.payments.tasks import (
        payment_status_check_task,
        refund_execute_task,
        refunds_send_due_task,
        sandbox_deliver_notice,
    )

    money = [sweep_expired_holds, expire_unpaid_orders, sandbox_deliver_notice, payment_status_check_task,
             refund_execute_task, refunds_send_due_task, event_deliver_task, event_deliver_due]
    assert {task.huey for task in money} == {money_huey}
    assert {task.huey for task in (outbox_send_task, outbox_drain_due)} == {mail_huey}
    assert money_huey.name != mail_huey.name


def test_smtp_connections_time_out(settings: object) -> None:
    from django.core.mail import get_connection
    from django.core.mail.backends.smtp import EmailBackend

    from billetterie import settings as defaults

    assert defaults.EMAIL_TIMEOUT == 20
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert isinstance(connection, EmailBackend) and connection.timeout == defaults.EMAIL_TIMEOUT
