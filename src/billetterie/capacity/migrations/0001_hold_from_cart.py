"""The Hold model moves from the cart app to the capacity app; its table stays `cart_hold`."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cart", "0002_money_bigint"),
        ("catalog", "0001_initial"),
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Hold",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("expires_at", models.DateTimeField(null=True)),
                        ("released_at", models.DateTimeField(null=True)),
                        ("line", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                   related_name="holds", to="orders.orderline")),
                        ("position", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                       related_name="holds", to="cart.cartposition")),
                        ("quota", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                    related_name="holds", to="catalog.quota")),
                    ],
                    options={
                        "db_table": "cart_hold",
                        "indexes": [models.Index(condition=models.Q(("released_at", None)),
                                                 fields=["quota", "expires_at"], name="hold_active_expiry")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
