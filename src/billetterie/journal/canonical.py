"""The journal's format (docs/dev/journal.md), in one place: what is hashed and what is signed.

- body: the entry as canonical JSON — keys sorted, no spaces (`,` and `:`), UTF-8 without
  escaping, integers only (amounts in cents), no floats;
- hash: SHA-256 of the previous entry's hash (64 lowercase hex digits, ASCII; 64 zeros before the
  first entry) followed by the body's UTF-8 bytes, written as lowercase hex;
- signature: Ed25519 over the hash's 32 raw bytes, written as lowercase hex.

docs/dev/journal_verify.py checks an export with these same rules and nothing from this code."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

FORMAT_VERSION = 1
GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _refuse_floats(value: Any) -> None:
    # a float's text depends on the writer: amounts are integers of cents
    if isinstance(value, float):
        raise TypeError("journal payloads hold integers, never floats")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("journal payload keys are strings")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def timestamp_text(moment: datetime) -> str:
    """UTC with microseconds and a Z: "2025-03-14T18:30:00.000000Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp_parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def entry_body(*, organizer_id: int, sequence: int, moment: datetime, kind: str, key_id: str,
               payload: dict[str, Any]) -> str:
    return canonical_json({
        "version": FORMAT_VERSION, "organizer": organizer_id, "sequence": sequence,
        "timestamp": timestamp_text(moment), "kind": kind, "key_id": key_id, "payload": payload,
    })


def entry_hash(previous_hash: str, body: str) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + body.encode("utf-8")).hexdigest()
