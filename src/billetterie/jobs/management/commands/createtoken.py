"""`billetterie createtoken ORGANIZER_SLUG [--name N] [--permissions read,orders,checkin]`.

The token goes alone to stdout (so `TOKEN=$(billetterie createtoken bts-fed)` works); the
explanation goes to stderr. Only its hash is stored: it cannot be shown again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billetterie.api.services import api_token_create
from billetterie.core.errors import InvalidInput
from billetterie.organizers.models import Organizer


class Command(BaseCommand):
    help = "Create an API token for an organiser and print it (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organizer_slug", help="the organiser's short name, as in its shop address")
        parser.add_argument("--name", default="", help="what the token is for (default: “API token”)")
        parser.add_argument(
            "--permissions", default="read", help="comma separated: read, orders, checkin (default: read)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organizer_slug"]
        organizer = Organizer.objects.filter(slug=slug).first()
        if organizer is None:
            raise CommandError(f"No organiser with the short name “{slug}”.")
        try:
            row, token = api_token_create(
                organizer=organizer, name=options["name"] or "API token", permissions=options["permissions"]
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"Token “{row.name}” for “{organizer.name}” ({', '.join(row.permissions)}). "
            "Copy it now: it will not be shown again."
        )
        self.stdout.write(token)
