"""Signed tickets: a compact binary payload, Ed25519-signed, as base45 text for the QR code.

Layout (81 bytes, 122 base45 characters, which fit QR alphanumeric mode)::

    version (1 byte) | event id (uint32) | order line id (uint32) | ticket nonce (8 bytes) | signature (64)

The signature covers the 17 bytes before it. Any scanner holding the event's public key checks a
ticket offline; the nonce, drawn when the order is paid, makes a ticket unguessable from its ids."""

from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

import base45
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from billetterie.orders.models import OrderLine

from .services import event_key_get_or_create, event_key_private

VERSION = 1
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


def ticket_payload(*, line: OrderLine) -> str:
    """The signed text to put in the line's QR code."""
    if not line.ticket_nonce:
        raise TicketNotSignable(f"order line {line.pk} has no ticket nonce (is its order paid?)")
    nonce = bytes(line.ticket_nonce)
    event = line.product.event
    if len(nonce) != 8 or not 0 < event.pk <= _UINT32_MAX or not 0 < line.pk <= _UINT32_MAX:
        raise TicketNotSignable(f"order line {line.pk} cannot be encoded in a ticket")
    message = _HEADER.pack(VERSION, event.pk, line.pk, nonce)
    private_key = event_key_private(key=event_key_get_or_create(event=event))
    return base45.b45encode(message + private_key.sign(message)).decode("ascii")


def ticket_verify(*, text: str, public_key: bytes, event_id: int) -> TicketClaims | None:
    """The ticket's claims when `text` is a ticket of this event signed with its key, else None.

    Never raises on bad input: whatever a camera reads may be handed here."""
    try:
        data = base45.b45decode(text.strip("\r\n"))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, binascii.Error):
        return None
    if len(data) != PAYLOAD_LENGTH:
        return None
    message, signature = data[: _HEADER.size], data[_HEADER.size :]
    version, claimed_event_id, line_id, nonce = _HEADER.unpack(message)
    if version != VERSION or claimed_event_id != event_id:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return None
    return TicketClaims(event_id=claimed_event_id, line_id=line_id, nonce=nonce.hex())


def ticket_event_id(*, text: str) -> int | None:
    """The event a payload claims to belong to, unverified: only to say "another event"."""
    try:
        data = base45.b45decode(text.strip("\r\n"))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, binascii.Error):
        return None
    if len(data) != PAYLOAD_LENGTH or data[0] != VERSION:
        return None
    return int(_HEADER.unpack(data[: _HEADER.size])[1])
