"""The offline verifier: the answers a scanner gives from its bundle alone, without the server.

The scanner page does the same in JavaScript (static/checkin/scanner.js, `verifyOffline`); this
Python twin is what the fuzz test and the bench run, and what a native scanner could embed. It
needs the bundle of `GET /api/v1/checkin/lists/{id}/bundle`: the event's public key, the revoked
(line, nonce) pairs and the list's tickets. A test order's ticket is known by the flag in its
signed payload (decision 0010): the bundle of a list that refuses them does not list them."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from billetterie.tickets.signing import VERSION, ticket_signature_checker, ticket_unpack

from .models import ScanResult

_SERIAL = re.compile(r"^([A-Z0-9]{4,12})-([0-9]{1,10})$")


@dataclass(frozen=True)
class OfflineAnswer:
    result: str
    line_id: int | None = None
    first_scanned_at: str | None = None
    first_device: str = ""

    @property
    def ok(self) -> bool:
        return self.result == ScanResult.OK


class OfflineVerifier:
    """Checks tickets against one list's bundle; remembers the entries it let in."""

    def __init__(self, *, bundle: dict[str, Any], device_id: str = "offline") -> None:
        checkin_list = bundle["checkin_list"]
        self.event_id = int(checkin_list["event_id"])
        self.open_list = bool(checkin_list["all_products"]) and not checkin_list["date_ids"]
        self.accept_test = bool(checkin_list.get("accept_test_tickets", False))
        test_tickets = bundle.get("test_tickets") or []
        self.test_pairs = {(int(t["line_id"]), t["nonce"]) for t in test_tickets}
        self.test_serials = {t["serial"]: int(t["line_id"]) for t in test_tickets}
        self.device_id = device_id
        raw_key = base64.b64decode(bundle["public_key"]) if bundle.get("public_key") else b""
        self._check = ticket_signature_checker(public_key=raw_key) if raw_key else None
        self.revoked = {(int(r["line_id"]), r["nonce"]) for r in bundle["revoked"]}
        self.tickets = {int(t["line_id"]): t for t in bundle["tickets"]}
        self.serials = {t["serial"]: int(t["line_id"]) for t in bundle["tickets"]}
        self.entries: dict[int, tuple[str, str]] = {
            int(t["line_id"]): (str(t["checked_in_at"]), t["checked_in_device"])
            for t in bundle["tickets"] if t["checked_in_at"]
        }

    def check(self, text: str, *, at: str = "") -> OfflineAnswer:
        """The answer for one scan; an accepted ticket is remembered (a second scan is refused).

        Refusals come first and cheap (format, event, revoked pair, a nonce that is not the
        ticket's): only a payload that would be accepted pays for the signature check."""
        if not isinstance(text, str):
            return OfflineAnswer(ScanResult.UNKNOWN)
        serial = _SERIAL.match(text.upper()) if len(text) < 30 else None
        if serial is not None:
            line_id = self.serials.get(text.upper())
            if line_id is None:
                test_line = self.test_serials.get(text.upper())
                if test_line is not None and not self.accept_test:
                    return OfflineAnswer(ScanResult.TEST_TICKET, test_line)
                return OfflineAnswer(ScanResult.UNKNOWN)
        else:
            unpacked = ticket_unpack(text)
            if unpacked is None or unpacked.version != VERSION or unpacked.event_id != self.event_id:
                return OfflineAnswer(ScanResult.UNKNOWN)
            line_id = unpacked.line_id
            if (line_id, unpacked.nonce) in self.revoked:
                return OfflineAnswer(ScanResult.REVOKED, line_id)
            ticket = self.tickets.get(line_id)
            if ticket is not None and ticket["nonce"] != unpacked.nonce:
                return OfflineAnswer(ScanResult.UNKNOWN)
            if self._check is None or not self._check(unpacked):
                return OfflineAnswer(ScanResult.UNKNOWN)
            # the flag is signed: a test order's ticket, wherever the bundle does not list it (and
            # the bundle lists those issued before the flag)
            is_test = unpacked.test or (line_id, unpacked.nonce) in self.test_pairs
            if is_test and not self.accept_test:
                return OfflineAnswer(ScanResult.TEST_TICKET, line_id)
            if ticket is None and not self.open_list:  # signed, but not in our copy of this list
                return OfflineAnswer(ScanResult.WRONG_LIST_OR_DATE, line_id)
        entry = self.entries.get(line_id)
        if entry is not None:
            return OfflineAnswer(ScanResult.ALREADY_REDEEMED, line_id, entry[0], entry[1])
        self.entries[line_id] = (at, self.device_id)
        return OfflineAnswer(ScanResult.OK, line_id)
