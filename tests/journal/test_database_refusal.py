"""On PostgreSQL the database refuses to change or delete a journal entry, whatever the SQL; and
the documented grants leave a role INSERT and SELECT only (docs/dev/journal.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from billetterie.journal.models import JournalEntry
from tests.factories import Shop, order_paid

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger and the grants are PostgreSQL's"),
]
TABLE = JournalEntry._meta.db_table
DOC = Path(__file__).resolve().parents[2] / "docs" / "dev" / "journal.md"


@pytest.mark.parametrize("sql", [
    f"UPDATE {TABLE} SET kind = 'refund'",
    f"UPDATE {TABLE} SET body = body || ' '",
    f"DELETE FROM {TABLE}",
])
def test_the_trigger_refuses_raw_updates_and_deletes(shop: Shop, sql: str) -> None:
    order_paid(shop, method="cash")
    with pytest.raises(DatabaseError, match="never changed nor deleted"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    assert JournalEntry.objects.filter(organizer=shop.organizer, kind="sale").count() == 1


def test_the_documented_grants_leave_the_app_role_insert_and_select_only(shop: Shop) -> None:
    order_paid(shop, method="cash")
    sql = DOC.read_text(encoding="utf-8")
    block = re.search(r"```sql\n(-- the app role.*?)```", sql, re.S)
    assert block
    role = f"journal_test_app_{os.getpid()}"  # roles are the cluster's: one name per test process
    statements = block.group(1).replace("billetterie_app", role)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {TABLE} TO {role}")
        cursor.execute(statements)
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_name = %s ORDER BY privilege_type", [role, TABLE])
        privileges = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SET LOCAL ROLE {role}")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute(f"TRUNCATE {TABLE}")
        transaction.set_rollback(True)
    assert privileges == ["INSERT", "SELECT"]
