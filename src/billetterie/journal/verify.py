"""`journal verify`: read an organiser's journal in order and recompute everything — numbers
without gap, each entry's link to the one before, its hash, its signature, time going forward,
and its columns agreeing with what was signed. The first entry that does not match is named with
the reason; nothing after it is trusted, so the check stops there.

The same rules, written independently with only hashlib, json and cryptography, are
docs/dev/journal_verify.py, which checks an export (`journal export`) away from this code."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from billetterie.core.sequences import sequence_last

from .canonical import GENESIS_HASH, canonical_json, entry_hash, timestamp_text
from .keys import signature_valid
from .models import JournalEntry, JournalKey
from .services import SEQUENCE


class Reason(StrEnum):
    GAP = "gap"  # a number is missing
    ORDER = "order"  # the entry is not where it was signed (its number or time says otherwise)
    PREVIOUS_HASH = "previous_hash"  # it does not carry the hash of the entry before it
    HASH = "hash"  # its hash is not the SHA-256 of what it holds
    SIGNATURE = "signature"  # its signature is not the organiser's key's over its hash
    CONTENT = "content"  # its columns differ from its signed body, or the body is not canonical


@dataclass(frozen=True)
class Problem:
    sequence: int
    reason: Reason
    detail: str

    @property
    def reason_label(self) -> str:
        return {
            Reason.GAP: _("gap in the numbers"), Reason.ORDER: _("order broken"),
            Reason.PREVIOUS_HASH: _("previous hash mismatch"), Reason.HASH: _("hash mismatch"),
            Reason.SIGNATURE: _("signature invalid"), Reason.CONTENT: _("content differs from what was signed"),
        }[self.reason]


@dataclass(frozen=True)
class Verification:
    organizer_id: int
    entries: int  # the entries read and found right
    last_sequence: int
    last_hash: str
    public_keys: dict[str, str]  # key id -> PEM
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Row:
    sequence: int
    organizer_id: int
    kind: str
    created_at: datetime
    key_id: str
    body: str
    previous_hash: str
    hash: str
    signature: str


def public_keys(*, organizer_id: int) -> dict[str, str]:
    return dict(JournalKey.objects.filter(organizer_id=organizer_id).order_by("id").values_list("key_id", "public_pem"))


def _rows(organizer_id: int, last: int) -> Iterable[Row]:
    fields = ("sequence", "organizer_id", "kind", "created_at", "key__key_id", "body", "previous_hash", "hash",
              "signature")
    for values in (JournalEntry.objects.filter(organizer_id=organizer_id, sequence__lte=last).order_by("sequence")
                   .values_list(*fields).iterator(chunk_size=2000)):
        yield Row(*values)


def journal_verify(*, organizer_id: int) -> Verification:
    # the counter first: the entries up to it are committed (each with its number); those
    # appended while the check runs are for the next one
    counter = sequence_last(organizer_id=organizer_id, name=SEQUENCE)
    keys = public_keys(organizer_id=organizer_id)
    count, previous_hash, previous_time = 0, GENESIS_HASH, ""
    for row in _rows(organizer_id, counter):
        problem, signed_time = _check(row, count + 1, previous_hash, previous_time, keys, organizer_id)
        if problem is not None:
            return Verification(organizer_id, count, count, previous_hash, keys, problem)
        count, previous_hash, previous_time = count + 1, row.hash, signed_time
    if counter > count:  # the last entries are gone: the series' counter still knows how many there were
        detail = _("entries %(first)s to %(last)s are missing (the journal's counter is at %(last)s)") % {
            "first": count + 1, "last": counter}
        return Verification(organizer_id, count, count, previous_hash, keys, Problem(count + 1, Reason.GAP, detail))
    return Verification(organizer_id, count, count, previous_hash, keys, None)


def _check(row: Row, expected: int, previous_hash: str, previous_time: str, keys: dict[str, str],
           organizer_id: int) -> tuple[Problem | None, str]:
    def problem(reason: Reason, detail: str) -> tuple[Problem, str]:
        return Problem(expected, reason, detail), ""

    if row.sequence != expected:
        return problem(Reason.GAP, _("entry %(expected)s is missing (the next one is %(found)s)")
                       % {"expected": expected, "found": row.sequence})
    body = _body(row.body)
    if body is None:
        return problem(Reason.CONTENT, _("the signed body is not canonical JSON"))
    if body.get("sequence") != row.sequence:
        return problem(Reason.ORDER, _("the entry was signed as number %(signed)s")
                       % {"signed": body.get("sequence")})
    mismatch = _columns_mismatch(row, body, organizer_id)
    if mismatch:
        return problem(Reason.CONTENT, _("its %(column)s differs from the signed body") % {"column": mismatch})
    if row.previous_hash != previous_hash:
        return problem(Reason.PREVIOUS_HASH, _("it does not carry the hash of entry %(previous)s")
                       % {"previous": expected - 1})
    if entry_hash(row.previous_hash, row.body) != row.hash:
        return problem(Reason.HASH, _("its hash is not the SHA-256 of its content"))
    public = keys.get(str(body.get("key_id")))
    if public is None or not signature_valid(public, row.hash, row.signature):
        return problem(Reason.SIGNATURE, _("its signature does not match the organiser's key"))
    signed_time = str(body["timestamp"])
    if signed_time < previous_time:  # the fixed-width UTC text sorts as the time does
        return problem(Reason.ORDER, _("it is dated before the entry preceding it"))
    return None, signed_time


def _body(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
        if not isinstance(body, dict) or canonical_json(body) != text:
            return None
    except (ValueError, TypeError):
        return None
    return body


def _columns_mismatch(row: Row, body: dict[str, Any], organizer_id: int) -> str:
    checks = {
        _("organiser"): (row.organizer_id, organizer_id, body.get("organizer")),
        _("kind"): (row.kind, body.get("kind")),
        _("time"): (timestamp_text(row.created_at), body.get("timestamp")),
        _("signing key"): (row.key_id, body.get("key_id")),
    }
    return next((name for name, values in checks.items() if any(v != values[0] for v in values)), "")
