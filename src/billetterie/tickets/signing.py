"""Signed tickets: a compact binary payload, Ed25519-signed, as base45 text for the QR code.

Layout (81 bytes, 122 base45 characters, which fit QR alphanumeric mode)::

    version (1 byte) | event id (uint32) | order line id (uint32) | ticket nonce (8 bytes) | signature (64)

The signature covers the 17 bytes before it. Any scanner holding the event's public key checks a
ticket offline; the nonce, drawn when the order is paid, makes a ticket unguessable from its ids.

The version byte's high bit (`TEST_FLAG`) marks the ticket of a test order (decision 0010): it is
signed like the rest, so an offline scanner refuses a test ticket at a list that does not accept
them, and no one can turn a test ticket into a live one. Scanners that predate the flag read a
version they do not know and refuse the ticket."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import base45
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from billetterie.orders.models import OrderLine

from .services import event_key_get_or_create, event_key_private

VERSION = 1
TEST_FLAG = 0x80  # in the version byte: the ticket of a test order
_VERSION_MASK = 0x7F
_HEADER = struct.Struct(">BII8s")
_SIGNATURE_LENGTH = 64
PAYLOAD_LENGTH = _HEADER.size + _SIGNATURE_LENGTH
_UINT32_MAX = 0xFFFFFFFF


class TicketNotSignable(ValueError):
    """The line is not a ticket that can be signed (no nonce yet: the order is not paid)."""


@dataclass(frozen=True)
class TicketClaims:
    event_id: int
    line_id: int
    nonce: str  # hex
    test: bool = False  # the ticket of a test order


def ticket_payload(*, line: OrderLine) -> str:
    """The signed text to put in the line's QR code (a test order's ticket carries TEST_FLAG)."""
    if not line.ticket_nonce:
        raise TicketNotSignable(f"order line {line.pk} has no ticket nonce (is its order paid?)")
    nonce = bytes(line.ticket_nonce)
    event = line.product.event
    if len(nonce) != 8 or not 0 < event.pk <= _UINT32_MAX or not 0 < line.pk <= _UINT32_MAX:
        raise TicketNotSignable(f"order line {line.pk} cannot be encoded in a ticket")
    version = VERSION | (TEST_FLAG if line.order.testmode else 0)
    message = _HEADER.pack(version, event.pk, line.pk, nonce)
    private_key = event_key_private(key=event_key_get_or_create(event=event))
    return base45.b45encode(message + private_key.sign(message)).decode("ascii")


def ticket_verify(*, text: str, public_key: bytes, event_id: int) -> TicketClaims | None:
    """The ticket's claims when `text` is a ticket of this event signed with its key, else None.

    Never raises on bad input: whatever a camera reads may be handed here."""
    verify = ticket_verifier(public_key=public_key, event_id=event_id)
    return verify(text) if verify is not None else None


@dataclass(frozen=True)
class UnverifiedTicket:
    """A payload's fields before its signature is checked: only to refuse early, never to admit."""

    version: int  # without TEST_FLAG
    event_id: int
    line_id: int
    nonce: str  # hex
    message: bytes
    signature: bytes
    test: bool = False  # TEST_FLAG was set


_B45_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}
PAYLOAD_TEXT_LENGTH = PAYLOAD_LENGTH // 2 * 3 + (2 if PAYLOAD_LENGTH % 2 else 0)  # 122


def b45decode(text: str) -> bytes | None:
    """RFC 9285 base45, strict (None on any bad character, chunk or value); faster than the
    `base45` package, which matters to scanners checking many tickets."""
    try:
        values = [_B45_VALUES[c] for c in text]
    except (KeyError, TypeError):
        return None
    n = len(values)
    if n % 3 == 1:
        return None
    out = bytearray()
    for i in range(0, n - 2, 3):
        value = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if value > 0xFFFF:
            return None
        out.append(value >> 8)
        out.append(value & 0xFF)
    if n % 3 == 2:
        value = values[-2] + values[-1] * 45
        if value > 0xFF:
            return None
        out.append(value)
    return bytes(out)


def ticket_unpack(text: str) -> UnverifiedTicket | None:
    if not isinstance(text, str):
        return None
    text = text.strip("\r\n")
    if len(text) != PAYLOAD_TEXT_LENGTH:
        return None
    data = b45decode(text)
    if data is None or len(data) != PAYLOAD_LENGTH:
        return None
    message, signature = data[: _HEADER.size], data[_HEADER.size :]
    version, event_id, line_id, nonce = _HEADER.unpack(message)
    return UnverifiedTicket(
        version & _VERSION_MASK, event_id, line_id, nonce.hex(), message, signature, bool(version & TEST_FLAG)
    )


def ticket_verifier(*, public_key: bytes, event_id: int) -> Callable[[str], TicketClaims | None] | None:
    """ticket_verify with the key loaded once, for scanners checking many tickets (None: bad key)."""
    check = ticket_signature_checker(public_key=public_key)
    if check is None:
        return None

    def verify(text: str) -> TicketClaims | None:
        unpacked = ticket_unpack(text)
        if unpacked is None or unpacked.version != VERSION or unpacked.event_id != event_id:
            return None
        if not check(unpacked):
            return None
        return TicketClaims(
            event_id=unpacked.event_id, line_id=unpacked.line_id, nonce=unpacked.nonce, test=unpacked.test
        )

    return verify


def ticket_signature_checker(*, public_key: bytes) -> Callable[[UnverifiedTicket], bool] | None:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes(public_key))
    except (ValueError, TypeError):
        return None

    def check(unpacked: UnverifiedTicket) -> bool:
        try:
            key.verify(unpacked.signature, unpacked.message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    return check


def ticket_event_id(*, text: str) -> int | None:
    """The event a payload claims to belong to, unverified: only to say "another event"."""
    unpacked = ticket_unpack(text)
    if unpacked is None or unpacked.version != VERSION:
        return None
    return unpacked.event_id
