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
