#!/usr/bin/env python3
"""Check a billetterie sales journal export on its own: python3 journal_verify.py EXPORT [PUBLIC_KEY.pem]

EXPORT is what `billetterie journal export ORGANISER` (or the back office's « Télécharger le
journal ») writes: one JSON object per line, a header, then one line per entry. PUBLIC_KEY.pem,
when given, is the organiser's public key obtained separately (the back office's « Clé publique »):
the header's keys must then be that one, or a forger could ship a key of their own. The format is
described in docs/dev/journal.md. Needs Python 3.9+ and `cryptography` (pip install cryptography).

Exit status 0 when every entry checks out, 1 with the first entry that does not, 2 on bad usage."""

import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

GENESIS = "0" * 64


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check(lines, trusted_pem=None):
    """None when the journal is intact, else the first problem as text."""
    header = json.loads(lines[0])
    if header.get("format") != "billetterie-journal" or header.get("version") != 1:
        return "not a billetterie journal export (version 1)"
    keys = {key_id: load_pem_public_key(pem.encode()) for key_id, pem in header["public_keys"].items()}
    if trusted_pem is not None:
        trusted = load_pem_public_key(trusted_pem.encode())
        if any(key.public_bytes_raw() != trusted.public_bytes_raw() for key in keys.values()):
            return "the export's public key is not the one given"
    previous_hash, previous_time, number = GENESIS, "", 0
    for line in lines[1:]:
        number += 1
        entry = json.loads(line)
        body_text = entry["body"]
        body = json.loads(body_text)
        if entry["sequence"] != number:
            return f"entry {number}: missing (gap in the numbers, the next one is {entry['sequence']})"
        if canonical(body) != body_text:
            return f"entry {number}: its body is not canonical JSON"
        if body["sequence"] != number or body["organizer"] != header["organizer"]:
            return f"entry {number}: order broken (it was signed as entry {body['sequence']} of {body['organizer']})"
        if entry["previous_hash"] != previous_hash:
            return f"entry {number}: previous hash mismatch"
        digest = hashlib.sha256(previous_hash.encode("ascii") + body_text.encode("utf-8")).hexdigest()
        if digest != entry["hash"]:
            return f"entry {number}: hash mismatch"
        try:
            keys[body["key_id"]].verify(bytes.fromhex(entry["signature"]), bytes.fromhex(digest))
        except (KeyError, InvalidSignature, ValueError):
            return f"entry {number}: signature invalid"
        if body["timestamp"] < previous_time:
            return f"entry {number}: order broken (dated before the entry preceding it)"
        previous_hash, previous_time = digest, body["timestamp"]
    if number != header["last_sequence"]:
        return f"entry {number + 1}: missing (the journal has {header['last_sequence']} entries)"
    return None


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as export:
        lines = [line for line in export.read().split("\n") if line]
    trusted = None
    if len(argv) == 3:
        with open(argv[2], encoding="ascii") as pem:
            trusted = pem.read()
    problem = check(lines, trusted)
    if problem:
        print(f"FAILED: {problem}")
        return 1
    header = json.loads(lines[0])
    print(f"OK: {len(lines) - 1} entries of {header['organizer_name']}, chain and signatures verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
