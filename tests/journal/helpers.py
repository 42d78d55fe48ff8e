"""Tampering with the journal as someone with the database's keys would: raw SQL, past the model's
refusal and, on PostgreSQL, the append-only trigger (disabled in the test's transaction only)."""

from __future__ import annotations

from django.db import connection

from billetterie.journal.models import JournalEntry

TABLE = JournalEntry._meta.db_table


def trigger_bypassed() -> None:
    """Disable the trigger until the test's transaction ends (ALTER TABLE is transactional in
    PostgreSQL). The deferred foreign key checks of this transaction's inserts are run first:
    PostgreSQL refuses to alter a table with pending trigger events."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER journal_entry_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def sql(statement: str, params: list[object] | None = None) -> None:
    trigger_bypassed()
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
