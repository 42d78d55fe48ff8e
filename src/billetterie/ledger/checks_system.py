"""Django's system check for what the books' plain SQL needs of the database (decision 0032)."""

from __future__ import annotations

import sqlite3
from typing import Any

from django.core.checks import Error
from django.db import connections

SQLITE_RETURNING = (3, 35, 0)  # INSERT … RETURNING


def database_supports_the_books(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if any(connections[alias].vendor == "sqlite" for alias in connections) and (
            sqlite3.sqlite_version_info < SQLITE_RETURNING):
        return [Error(f"SQLite {sqlite3.sqlite_version} is too old for the books: they need 3.35 or newer "
                      "(INSERT … RETURNING).", hint="Use PostgreSQL, or a Python built with a newer SQLite.",
                      id="ledger.E001")]
    return []
