"""One place to read the time.

Expiry (holds, unpaid orders) is decided by the database's clock when the database is shared by
several app servers (PostgreSQL): their own clocks may drift, the database's is one. Reading it on
every call would cost a round trip, so each process measures its offset to the database clock and
adds it to its own, measuring again every 30 seconds and whenever its own clock jumps. SQLite lives
on the app's own machine, so its clock is the app's. The test settings use the application clock
(`CLOCK_SOURCE = "application"`) so tests can move it with time-machine."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

RESYNC_SECONDS = 30.0


class _Sync:
    offset = timedelta(0)
    mono = -1e9  # when it was measured, on the monotonic clock
    wall = 0.0  # and on this process's clock


_sync = _Sync()


def now() -> datetime:
    wall = timezone.now()
    if getattr(settings, "CLOCK_SOURCE", "database") != "database" or connection.vendor != "postgresql":
        return wall
    mono = time.monotonic()
    elapsed = mono - _sync.mono
    jumped = abs((wall.timestamp() - _sync.wall) - elapsed) > 1.0
    if elapsed > RESYNC_SECONDS or jumped:
        _sync.offset = database_now() - timezone.now()
        _sync.mono, _sync.wall = mono, wall.timestamp()
    return wall + _sync.offset


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        value: datetime = cursor.fetchone()[0]
    return value
