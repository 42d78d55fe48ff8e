"""Membership cards (issue 12, decision 0022): a signed QR code checked at the door like a ticket,
and the card-and-certificate PDF that carries it.

Payload (77 bytes, 116 base45 characters: neither the length nor the version of a ticket)::

    version 0x21 (| TEST_FLAG) | event id (uint32) | membership id (uint32) |
    start (uint16, days since 2000-01-01) | end (uint16, same; 0xFFFF: for life) | signature (64)

The signature (Ed25519, the key of the event named) covers the 13 bytes before it. The dates let
an offline scanner say "expired"; online, the membership's row decides (cancelled, dates changed)."""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import base45
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from billetterie.catalog.models import Event, Section
from billetterie.core import clock
from billetterie.memberships.models import Membership, MembershipState
from billetterie.memberships.selectors import membership_state
from billetterie.orders.models import Order
from billetterie.organizers.models import Organizer, OrganizerLogo

from .layout import data_only_url_fetcher
from .models import EventKey
from .services import event_key_get_or_create, event_key_private
from .signing import TEST_FLAG, b45decode

CARD_VERSION = 0x21
_VERSION_MASK = 0x7F
_HEADER = struct.Struct(">BIIHH")
_SIGNATURE_LENGTH = 64
CARD_PAYLOAD_LENGTH = _HEADER.size + _SIGNATURE_LENGTH  # 77
CARD_TEXT_LENGTH = CARD_PAYLOAD_LENGTH // 2 * 3 + (2 if CARD_PAYLOAD_LENGTH % 2 else 0)  # 116
EPOCH = date(2000, 1, 1)
FOR_LIFE = 0xFFFF
_UINT32_MAX = 0xFFFFFFFF


class CardNotSignable(ValueError):
    """The membership cannot be put in a card's QR code (no event to sign with, dates out of range)."""


@dataclass(frozen=True)
class CardClaims:
    """What a card's QR code says once its signature is checked."""

    event_id: int
    membership_id: int
    start: date
    end: date | None  # None: for life
    test: bool = False


# --- signing ----------------------------------------------------------------------------------


def card_signing_event(*, membership: Membership) -> Event | None:
    """The event whose key signs the card: the membership page selling its type, else the
    organiser's first membership page, else its first event (decision 0022)."""
    product = membership.type.product
    if product is not None:
        return product.event
    events = Event.objects.filter(organizer_id=membership.type.organizer_id)
    return events.filter(section=Section.MEMBERSHIPS).order_by("id").first() or events.order_by("id").first()


def _day(value: date) -> int:
    days = (value - EPOCH).days
    if not 0 <= days < FOR_LIFE:
        raise CardNotSignable(f"date {value} cannot be encoded in a membership card")
    return days


def _is_test(membership: Membership) -> bool:
    line = membership.order_line
    return bool(line is not None and line.order.testmode)


def card_payload(*, membership: Membership) -> str:
    """The signed text of the membership's QR code (CardNotSignable: no event to sign with)."""
    event = card_signing_event(membership=membership)
    if event is None:
        raise CardNotSignable(f"organiser {membership.type.organizer_id} has no event to sign cards with")
    if not 0 < event.pk <= _UINT32_MAX or not 0 < membership.pk <= _UINT32_MAX:
        raise CardNotSignable(f"membership {membership.pk} cannot be encoded in a card")
    end = FOR_LIFE if membership.end is None else _day(membership.end)
    version = CARD_VERSION | (TEST_FLAG if _is_test(membership) else 0)
    message = _HEADER.pack(version, event.pk, membership.pk, _day(membership.start), end)
    private_key = event_key_private(key=event_key_get_or_create(event=event))
    return base45.b45encode(message + private_key.sign(message)).decode("ascii")


@dataclass(frozen=True)
class _Unpacked:
    claims: CardClaims
    message: bytes
    signature: bytes


def _unpack(text: object) -> _Unpacked | None:
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) != CARD_TEXT_LENGTH:
        return None
    data = b45decode(text)
    if data is None or len(data) != CARD_PAYLOAD_LENGTH:
        return None
    message, signature = data[: _HEADER.size], data[_HEADER.size :]
    version, event_id, membership_id, start, end = _HEADER.unpack(message)
    if version & _VERSION_MASK != CARD_VERSION or (end != FOR_LIFE and end < start):
        return None
    claims = CardClaims(
        event_id=event_id, membership_id=membership_id, start=EPOCH + timedelta(days=start),
        end=None if end == FOR_LIFE else EPOCH + timedelta(days=end), test=bool(version & TEST_FLAG),
    )
    return _Unpacked(claims, message, signature)


def card_event_id(*, text: str) -> int | None:
    """The event a card claims to be signed by, unverified: only to find the key to check it with."""
    unpacked = _unpack(text)
    return unpacked.claims.event_id if unpacked is not None else None


def card_verify(*, text: str, public_key: bytes) -> CardClaims | None:
    """The card's claims when `text` is a membership card signed with this key, else None. Never
    raises on bad input (whatever a camera reads may be handed here); works offline."""
    unpacked = _unpack(text)
    if unpacked is None:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(unpacked.signature, unpacked.message)
    except (InvalidSignature, ValueError, TypeError):
        return None
    return unpacked.claims


# --- the check at the door ----------------------------------------------------------------------


class CardResult(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    UPCOMING = "upcoming"
    UNKNOWN = "unknown"


_RESULT_OF_STATE = {
    MembershipState.ACTIVE: CardResult.VALID, MembershipState.EXPIRED: CardResult.EXPIRED,
    MembershipState.CANCELLED: CardResult.CANCELLED, MembershipState.UPCOMING: CardResult.UPCOMING,
}


@dataclass(frozen=True)
class CardCheck:
    result: CardResult
    membership: Membership | None = None  # with its member and type; None when unknown
    test: bool = False  # the membership of a test order (decision 0010)


def card_check(*, organizer: Organizer, text: str, on: date | None = None) -> CardCheck:
    """What a card's QR text is worth at this organiser's door today (`on`): unknown (not a card,
    tampered, another organiser's, no such membership), else the membership's state from its row."""
    claims = _claims_of_organizer(organizer, text)
    if claims is None:
        return CardCheck(CardResult.UNKNOWN)
    membership = (
        Membership.objects.select_related("member", "type", "order_line__order")
        .filter(pk=claims.membership_id, member__organizer=organizer).first()
    )
    if membership is None:
        return CardCheck(CardResult.UNKNOWN)
    state = membership_state(membership, on=on or localdate(clock.now()))
    return CardCheck(_RESULT_OF_STATE[MembershipState(state)], membership, test=claims.test)


def _claims_of_organizer(organizer: Organizer, text: str) -> CardClaims | None:
    event_id = card_event_id(text=text)
    if event_id is None:
        return None
    public_key = (
        EventKey.objects.filter(event_id=event_id, event__organizer=organizer)
        .values_list("public_key", flat=True).first()
    )
    if public_key is None:  # another organiser's event, or an event that never signed anything
        return None
    return card_verify(text=text, public_key=bytes(public_key))


# --- the PDF ------------------------------------------------------------------------------------


def validity_text(*, membership: Membership) -> str:
    """« Valable du 1 septembre 2026 au 31 août 2027 », « Valable à vie »."""
    if membership.end is None:
        return _("Valid for life")
    return _("Valid from %(start)s to %(end)s") % {
        "start": date_format(membership.start, "DATE_FORMAT"), "end": date_format(membership.end, "DATE_FORMAT"),
    }


def _logo_uri(organizer: Organizer) -> str:
    if not organizer.logo_hash:
        return ""
    png = OrganizerLogo.objects.filter(organizer=organizer).values_list("png", flat=True).first()
    return f"data:image/png;base64,{base64.b64encode(bytes(png)).decode('ascii')}" if png else ""


def _qr_uri(membership: Membership) -> str:
    try:
        payload = card_payload(membership=membership)
    except CardNotSignable:
        return ""
    qr = segno.make(payload, error="m", mode="alphanumeric", micro=False, boost_error=False)
    return qr.svg_data_uri(border=4, dark="#000", light="#fff")


def _context(membership: Membership) -> dict[str, Any]:
    organizer = membership.type.organizer
    return {
        "membership": membership, "member": membership.member, "type": membership.type, "organizer": organizer,
        "validity": validity_text(membership=membership), "logo_uri": _logo_uri(organizer),
        "qr_uri": _qr_uri(membership), "test": _is_test(membership),
        "cancelled": membership.cancelled_at is not None,
        "issued": date_format(localdate(clock.now()), "DATE_FORMAT"),
    }


def _locale(membership: Membership) -> str:
    line = membership.order_line
    return line.order.locale if line is not None else (translation.get_language() or "fr")


def _loaded(membership: Membership) -> Membership:
    return Membership.objects.select_related("member", "type__organizer", "type__product__event",
                                             "order_line__order").get(pk=membership.pk)


def membership_card_pdf(*, membership: Membership) -> bytes:
    """The card and certificate of one membership, in its order's language (one A5 page)."""
    from weasyprint import HTML  # heavy import, only where PDFs are made

    membership = _loaded(membership)
    with translation.override(_locale(membership)):
        html = render_to_string("tickets/membership_card.html", _context(membership))
    return HTML(string=html, url_fetcher=data_only_url_fetcher()).write_pdf()


def membership_card_file_name(*, membership: Membership) -> str:
    """carte-adherent-<number>-<id>.pdf, in the language being rendered."""
    prefix = slugify(_("membership card")) or "membership-card"
    return f"{prefix}-{slugify(membership.member.number) or membership.member_id}-{membership.pk}.pdf"


def order_membership_cards(*, order: Order) -> list[tuple[str, bytes]]:
    """(file name, PDF) for each membership this order bought that is not cancelled, as attached to
    its confirmation email."""
    memberships = list(
        Membership.objects.filter(order_line__order=order, cancelled_at__isnull=True)
        .select_related("member").order_by("order_line_id", "id")
    )
    with translation.override(order.locale):
        return [(membership_card_file_name(membership=m), membership_card_pdf(membership=m)) for m in memberships]
