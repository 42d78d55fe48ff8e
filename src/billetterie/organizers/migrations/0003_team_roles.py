"""The `staff` many-to-many becomes the TeamMember model on the same table, with a role: the rows
already there (the organisers' staff) become administrators."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import billetterie.organizers.models


class Migration(migrations.Migration):
    dependencies = [
        ("organizers", "0002_reserved_slugs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TeamMember",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "organizer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="team",
                                to="organizers.organizer",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="teams",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "team member",
                        "verbose_name_plural": "team members",
                        "db_table": "organizers_organizer_staff",
                        "unique_together": {("organizer", "user")},
                    },
                ),
                migrations.AlterField(
                    model_name="organizer",
                    name="staff",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="organizers",
                        through="organizers.TeamMember",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="teammember",
            name="role",
            field=models.CharField(
                choices=[
                    ("admin", "Administrator"),
                    ("treasury", "Treasury"),
                    ("ticketing", "Ticketing"),
                    ("box_office", "Box office"),
                    ("checkin", "Check-in"),
                    ("read_only", "Read only"),
                ],
                default="admin",
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="organizer",
            name="slug",
            field=models.SlugField(
                max_length=60,
                unique=True,
                validators=[billetterie.organizers.models.validate_slug_not_reserved],
                verbose_name="short name in addresses",
            ),
        ),
    ]
