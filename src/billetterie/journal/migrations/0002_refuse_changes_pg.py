"""On PostgreSQL, the database itself refuses to change or delete a journal entry (a trigger),
whoever asks: the app, an admin's SQL session, a bug. TRUNCATE is left to the role's rights
(REVOKE TRUNCATE: docs/dev/journal.md), since the test runner empties tables with it. SQLite
relies on the model's refusal alone."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION journal_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are never changed nor deleted (%% of entry %%)', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_journalentry
    FOR EACH ROW EXECUTE FUNCTION journal_entry_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS journal_entry_append_only ON journal_journalentry;
DROP FUNCTION IF EXISTS journal_entry_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
