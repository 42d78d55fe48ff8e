"""The back office with 100,000 orders (issue 11): the dashboard's paid orders per day read from an
index, and on PostgreSQL trigram indexes (pg_trgm) on the upper-cased buyer's and attendees' names
and emails, the expression `name__icontains` compiles to (`UPPER("name"::text) LIKE UPPER(%s)`),
so that a search reads the matching rows instead of every order. SQLite has no GIN index: there
the search scans, as before."""

from django.db import migrations, models

TRIGRAM_INDEXES = (
    ("order_name_trgm_idx", "orders_order", "name"),
    ("order_email_trgm_idx", "orders_order", "email"),
    ("orderline_attendee_name_trgm_idx", "orders_orderline", "attendee_name"),
    ("orderline_attendee_email_trgm_idx", "orders_orderline", "attendee_email"),
)


def trigram_indexes_create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}") gin_trgm_ops)')


def trigram_indexes_drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_orderline_holder")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(condition=models.Q(("testmode", False)), fields=["organizer", "paid_at"],
                               name="order_organizer_paid_idx"),
        ),
        migrations.RunPython(trigram_indexes_create, trigram_indexes_drop, elidable=False),
    ]
