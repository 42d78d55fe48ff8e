"""`billetterie journal verify|export|close|public-key ORGANISER`: the sales journal from the shell.

    billetterie journal verify SLUG          recompute the chain and the signatures; exit status 1
                                             and the first entry that does not match when one does not
    billetterie journal export SLUG [-o F]   the journal as JSON lines (docs/dev/journal.md), for
                                             docs/dev/journal_verify.py or an auditor
    billetterie journal close [SLUG]         write the closures that are due now (the periodic job's work)
    billetterie journal public-key SLUG      the organiser's public key(s), PEM"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from billetterie.journal.closures import closures_write, closures_write_due
from billetterie.journal.selectors import export_lines, public_keys_pem
from billetterie.journal.verify import journal_verify
from billetterie.organizers.models import Organizer


class Command(BaseCommand):
    help = "The signed sales journal: verify, export, close, public-key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "export", "close", "public-key"])
        parser.add_argument("organizer", nargs="?", default="", help="the organiser's short name (slug)")
        parser.add_argument("-o", "--output", default="-", help="export: the file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        action, slug = options["action"], options["organizer"]
        if action == "close" and not slug:
            self.stderr.write(_("%(count)s closures written.") % {"count": closures_write_due()})
            return
        organizer = Organizer.objects.filter(slug=slug).first() if slug else None
        if organizer is None:
            raise CommandError(_("No organiser with the short name “%(slug)s”.") % {"slug": slug})
        if action == "verify":
            self._verify(organizer)
        elif action == "export":
            self._export(organizer, options["output"])
        elif action == "close":
            count = len(closures_write(organizer_id=organizer.pk))
            self.stderr.write(_("%(count)s closures written.") % {"count": count})
        else:
            self.stdout.write(public_keys_pem(organizer_id=organizer.pk), ending="")

    def _verify(self, organizer: Organizer) -> None:
        result = journal_verify(organizer_id=organizer.pk)
        for key_id, pem in result.public_keys.items():
            self.stdout.write(_("Public key %(key_id)s:") % {"key_id": key_id})
            self.stdout.write(pem, ending="")
        if result.problem is not None:
            problem = result.problem
            raise CommandError(
                _("Journal of %(name)s: entry %(sequence)s does not match (%(reason)s): %(detail)s. "
                  "The %(count)s entries before it are right.")
                % {"name": organizer.name, "sequence": problem.sequence, "reason": problem.reason_label,
                   "detail": problem.detail, "count": result.entries},
                returncode=1,
            )
        self.stdout.write(
            _("Journal of %(name)s: %(count)s entries, chain and signatures verified. Last hash: %(hash)s")
            % {"name": organizer.name, "count": result.entries, "hash": result.last_hash})

    def _export(self, organizer: Organizer, output: str) -> None:
        if output == "-":
            for line in export_lines(organizer=organizer):
                self.stdout.write(line, ending="")
            return
        with open(output, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(export_lines(organizer=organizer))
        self.stderr.write(_("Journal written to %(path)s.") % {"path": output})
