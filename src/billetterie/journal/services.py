"""Appending to the sales journal: one entry per sale, refund, cancellation, invoice and credit
note, written by the in-transaction handlers (decision 0027) in the very transaction of the
change, and the closures (closures.py).

An append costs the journal's sequence UPDATE (which also serialises an organiser's appends: the
chain needs each entry to know the one before), one indexed read of the previous entry's hash, one
read of the signing key, a SHA-256, an Ed25519 signature and one INSERT."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection

from billetterie.core import clock
from billetterie.core.sequences import sequence_next

from .canonical import GENESIS_HASH, entry_body, entry_hash
from .keys import sign, signing_key
from .models import JournalEntry

logger = logging.getLogger(__name__)

SEQUENCE = "journal"


def journal_append(*, organizer_id: int, kind: str, payload: dict[str, Any], period: str = "") -> JournalEntry:
    """Append one signed entry to the organiser's journal, in the caller's transaction (a
    rollback takes the entry and its number back together)."""
    if not connection.in_atomic_block:
        raise RuntimeError("journal_append outside a transaction: the entry could outlive its change")
    sequence = sequence_next(organizer_id=organizer_id, name=SEQUENCE)
    # the previous entry by the (organizer, sequence) index; normally number - 1, or the last one
    # left when rows were removed behind the app's back (the verifier reports that gap: refusing
    # sales would not bring the row back)
    previous = (JournalEntry.objects.filter(organizer_id=organizer_id, sequence__lt=sequence)
                .order_by("-sequence").values_list("sequence", "hash", "created_at").first())
    if previous is not None and previous[0] != sequence - 1:
        logger.error("journal of organiser %s: entries %s to %s are missing", organizer_id, previous[0] + 1,
                     sequence - 1)
    previous_hash = previous[1] if previous else GENESIS_HASH
    # never earlier than the entry before (a clock set back): the journal's times only go forward
    moment = max(clock.now(), previous[2]) if previous else clock.now()
    key = signing_key(organizer_id=organizer_id)
    body = entry_body(organizer_id=organizer_id, sequence=sequence, moment=moment, kind=kind, key_id=key.key_id,
                      payload=payload)
    digest = entry_hash(previous_hash, body)
    entry = JournalEntry(organizer_id=organizer_id, sequence=sequence, kind=kind, created_at=moment, period=period,
                         key=key, body=body, previous_hash=previous_hash, hash=digest, signature=sign(key, digest))
    entry.save()
    return entry
