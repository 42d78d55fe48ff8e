"""Appending to the sales journal: one entry per sale, refund, cancellation, invoice and credit
note, written by the in-transaction handlers (decision 0027) in the very transaction of the
change, and the closures (closures.py).

An append costs the journal's sequence UPDATE (which also serialises an organiser's appends: the
chain needs each entry to know the one before), one indexed read of the previous entry's hash, one
read of the signing key, a SHA-256, an Ed25519 signature and one INSERT."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

from django.db import connection, models
from django.utils.dateparse import parse_datetime

from billetterie.core import clock
from billetterie.core.sequences import sequence_next

from .canonical import GENESIS_HASH, entry_body, entry_hash
from .keys import cached_key, sign, signing_key
from .models import JournalEntry, JournalKey

logger = logging.getLogger(__name__)

SEQUENCE = "journal"
_ENTRY, _KEY = JournalEntry._meta.db_table, JournalKey._meta.db_table
# the entry before number %s, with its key: one row read backwards on the (organizer, sequence) index
_PREVIOUS = (
    f"SELECT e.sequence, e.hash, e.created_at, k.id, k.key_id FROM {_ENTRY} e JOIN {_KEY} k ON k.id = e.key_id "  # noqa: S608
    "WHERE e.organizer_id = %s AND e.sequence < %s ORDER BY e.sequence DESC LIMIT 1"
)
_COLUMNS = ("organizer_id", "sequence", "kind", "created_at", "period", "key_id", "body", "previous_hash", "hash",
            "signature")


def journal_append(*, organizer_id: int, kind: str, payload: dict[str, Any], period: str = "") -> int:
    """Append one signed entry to the organiser's journal, in the caller's transaction (a
    rollback takes the entry and its number back together); returns its number.

    Plain SQL, as audit entries are written: on the payment path the ORM's query building cost
    more than the statements themselves (bench/RESULTS.md)."""
    if not connection.in_atomic_block:
        raise RuntimeError("journal_append outside a transaction: the entry could outlive its change")
    sequence = sequence_next(organizer_id=organizer_id, name=SEQUENCE)
    with connection.cursor() as cursor:
        cursor.execute(_PREVIOUS, [organizer_id, sequence])
        previous = cursor.fetchone()
    # normally number - 1; or the last one left when rows were removed behind the app's back (the
    # verifier reports that gap: refusing sales would not bring the row back)
    if previous is not None and previous[0] != sequence - 1:
        logger.error("journal of organiser %s: entries %s to %s are missing", organizer_id, previous[0] + 1,
                     sequence - 1)
    previous_hash = previous[1] if previous else GENESIS_HASH
    # never earlier than the entry before (a clock set back): the journal's times only go forward
    moment = max(clock.now(), _utc(previous[2])) if previous else clock.now()
    # the previous entry's key (from this process's cache: no query), the organiser's own for the first
    key = (cached_key(key_pk=previous[3], key_id=previous[4]) or JournalKey.objects.get(pk=previous[3])
           if previous else signing_key(organizer_id=organizer_id))
    body = entry_body(organizer_id=organizer_id, sequence=sequence, moment=moment, kind=kind, key_id=key.key_id,
                      payload=payload)
    digest = entry_hash(previous_hash, body)
    _insert(organizer_id, sequence, kind, moment, period, key.pk, body, previous_hash, digest, sign(key, digest))
    return sequence


def _utc(value: datetime | str) -> datetime:
    """A timestamp as the raw cursor gives it: aware (PostgreSQL), naive UTC or text (SQLite)."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _insert(*values: Any) -> None:
    fields = [cast("models.Field[Any, Any]", JournalEntry._meta.get_field(name)) for name in _COLUMNS]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (our own table and column names)
        quote(_ENTRY), ", ".join(quote(f.column or f.name) for f in fields), ", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)])
