"""Reading the journal: the back office's pages, and the export that anyone can check with
docs/dev/journal_verify.py (JSON lines: a header, then one line per entry in order)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from billetterie.core import clock
from billetterie.core.sequences import sequence_last
from billetterie.organizers.models import Organizer

from .canonical import FORMAT_VERSION, canonical_json, timestamp_text
from .models import CLOSURE_KINDS, JournalEntry, JournalKey
from .services import SEQUENCE

EXPORT_FORMAT = "billetterie-journal"


@dataclass(frozen=True)
class EntryView:
    """One entry as the back office shows it: its columns and its payload read back."""

    sequence: int
    kind: str
    kind_label: str
    created_at: datetime
    period: str
    hash: str
    payload: dict[str, Any]


def entries(*, organizer_id: int, closures_only: bool = False) -> QuerySet[JournalEntry]:
    """Newest first."""
    found = JournalEntry.objects.filter(organizer_id=organizer_id)
    if closures_only:
        found = found.filter(kind__in=CLOSURE_KINDS)
    return found.order_by("-sequence")


def entry_views(rows: QuerySet[JournalEntry]) -> list[EntryView]:
    return [EntryView(row.sequence, row.kind, str(row.get_kind_display()), row.created_at, row.period, row.hash,
                      dict(json.loads(row.body)["payload"])) for row in rows]


def entries_count(*, organizer_id: int) -> int:
    return sequence_last(organizer_id=organizer_id, name=SEQUENCE)


def current_key(*, organizer_id: int) -> JournalKey | None:
    return JournalKey.objects.filter(organizer_id=organizer_id).order_by("-id").first()


def public_keys_pem(*, organizer_id: int) -> str:
    """Every public key the organiser's journal was signed with, PEM, oldest first."""
    return "".join(JournalKey.objects.filter(organizer_id=organizer_id).order_by("id")
                   .values_list("public_pem", flat=True))


def export_lines(*, organizer: Organizer) -> Iterator[str]:
    """The export: a header (the organiser, the public keys, how many entries the journal's counter
    says there are), then each entry as stored: its number, hashes, signature and signed body."""
    # the entries up to the counter read now: each committed with its number, so all are there
    last = sequence_last(organizer_id=organizer.pk, name=SEQUENCE)
    keys = dict(JournalKey.objects.filter(organizer_id=organizer.pk).order_by("id")
                .values_list("key_id", "public_pem"))
    yield canonical_json({
        "format": EXPORT_FORMAT, "version": FORMAT_VERSION, "organizer": organizer.pk,
        "organizer_slug": organizer.slug, "organizer_name": organizer.name,
        "exported_at": timestamp_text(clock.now()),
        "last_sequence": last, "public_keys": keys,
    }) + "\n"
    rows = (JournalEntry.objects.filter(organizer_id=organizer.pk, sequence__lte=last).order_by("sequence")
            .values_list("sequence", "previous_hash", "hash", "signature", "body").iterator(chunk_size=2000))
    for sequence, previous_hash, digest, signature, body in rows:
        yield canonical_json({"sequence": sequence, "previous_hash": previous_hash, "hash": digest,
                              "signature": signature, "body": body}) + "\n"
