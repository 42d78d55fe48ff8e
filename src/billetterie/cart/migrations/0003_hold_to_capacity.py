"""The Hold model moved to the capacity app (its table, `cart_hold`, stays as it is)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cart", "0002_money_bigint"),
        ("capacity", "0001_hold_from_cart"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Hold")],
            database_operations=[],
        ),
    ]
