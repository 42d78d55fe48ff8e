"""One place to read the time.

Expiry (holds, unpaid orders) is decided by the database's clock when the database is shared by
several app servers (PostgreSQL): their own clocks may drift, the database's is one. SQLite lives
on the app's own machine, so its clock is the app's. The test settings use the application clock
(`CLOCK_SOURCE = "application"`) so tests can move it with time-machine."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone


def now() -> datetime:
    if getattr(settings, "CLOCK_SOURCE", "database") == "database" and connection.vendor == "postgresql":
        return database_now()
    return timezone.now()


def database_now() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        value: datetime = cursor.fetchone()[0]
    return value
