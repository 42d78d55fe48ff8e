from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from billetterie.core import clock


@pytest.mark.django_db
def test_database_clock_decides_on_postgresql(settings: object) -> None:
    settings.CLOCK_SOURCE = "database"  # type: ignore[attr-defined]
    real = timezone.now()
    with time_machine.travel(real + timedelta(hours=3), tick=False):
        seen = clock.now()
    if connection.vendor == "postgresql":
        assert abs(seen - real) < timedelta(minutes=5)  # the database's clock, not the moved one
    else:
        assert seen == real + timedelta(hours=3)  # embedded SQLite: the app's own clock


def test_application_clock_in_tests() -> None:
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False) as traveller:
        assert clock.now() == timezone.now()
        traveller.shift(timedelta(minutes=61))
        assert clock.now() == timezone.now()
