"""`billetterie ledger check [ORGANISER]`: the books' invariants (ledger.checks), 0 or a list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billetterie.ledger.checks import ledger_violations
from billetterie.organizers.models import Organizer


class Command(BaseCommand):
    help = "The books: `check [ORGANISER]` verifies every invariant of the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="verify the ledger's invariants (all organisers, or one by its slug)")
        check.add_argument("organizer", nargs="?", default="", help="the organiser's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        organizer_id = None
        if options["organizer"]:
            organizer = Organizer.objects.filter(slug=options["organizer"]).first()
            if organizer is None:
                raise CommandError(f"no organiser {options['organizer']!r}")
            organizer_id = organizer.pk
        found = ledger_violations(organizer_id)
        for violation in found:
            self.stdout.write(violation)
        self.stdout.write(f"{len(found)} violation(s)")
        if found:
            raise CommandError("the books do not hold")
