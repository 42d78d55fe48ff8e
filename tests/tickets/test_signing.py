from __future__ import annotations

import base45
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from billetterie.catalog.models import Event
from billetterie.core.errors import NotFound
from billetterie.orders.models import OrderLine
from billetterie.tickets.models import EventKey
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import event_key_get_or_create, event_key_private
from billetterie.tickets.signing import PAYLOAD_LENGTH, TicketNotSignable, ticket_payload, ticket_verify
from tests.factories import Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db


def _ticket_line(shop: Shop) -> OrderLine:
    order = order_paid(shop, tickets=1, meals=0)
    return order.lines.get(kind="ticket")


def test_sign_then_verify_round_trip(shop: Shop) -> None:
    line = _ticket_line(shop)
    text = ticket_payload(line=line)
    assert len(base45.b45decode(text)) == PAYLOAD_LENGTH
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    public_key = event_public_key(event_id=shop.event.pk)
    claims = ticket_verify(text=text, public_key=public_key, event_id=shop.event.pk)
    assert claims is not None
    assert claims.event_id == shop.event.pk
    assert claims.line_id == line.pk
    assert line.ticket_nonce is not None
    assert claims.nonce == bytes(line.ticket_nonce).hex()


def test_signature_is_stable_for_a_line(shop: Shop) -> None:
    line = _ticket_line(shop)
    assert ticket_payload(line=line) == ticket_payload(line=line)  # Ed25519 is deterministic


def test_unpaid_line_cannot_be_signed(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    with pytest.raises(TicketNotSignable):
        ticket_payload(line=order.lines.get())


def _tamper(text: str, index: int) -> str:
    data = bytearray(base45.b45decode(text))
    data[index] ^= 0x01
    return base45.b45encode(bytes(data)).decode()


@pytest.mark.parametrize("index", [0, 1, 4, 5, 8, 9, 16, 17, 40, 80])
def test_tampered_payload_is_rejected(shop: Shop, index: int) -> None:
    line = _ticket_line(shop)
    text = ticket_payload(line=line)
    public_key = event_public_key(event_id=shop.event.pk)
    assert ticket_verify(text=_tamper(text, index), public_key=public_key, event_id=shop.event.pk) is None


def test_truncated_and_extended_payloads_are_rejected(shop: Shop) -> None:
    line = _ticket_line(shop)
    text = ticket_payload(line=line)
    data = base45.b45decode(text)
    public_key = event_public_key(event_id=shop.event.pk)
    for candidate in [
        text[:-1], text[:-2], text[:-3], text[:60], "",
        base45.b45encode(data[:-1]).decode(), base45.b45encode(data + b"\x00").decode(),
    ]:
        assert ticket_verify(text=candidate, public_key=public_key, event_id=shop.event.pk) is None


def test_ticket_of_another_event_is_rejected(shop: Shop) -> None:
    line = _ticket_line(shop)
    text = ticket_payload(line=line)
    other = Event.objects.create(organizer=shop.organizer, title="Autre", slug="autre")
    other_key = event_public_key(event_id=event_key_get_or_create(event=other).event_id)
    # checked against the other event with its own key, or with the right key but the other id
    assert ticket_verify(text=text, public_key=other_key, event_id=other.pk) is None
    own_key = event_public_key(event_id=shop.event.pk)
    assert ticket_verify(text=text, public_key=own_key, event_id=other.pk) is None
    assert ticket_verify(text=text, public_key=other_key, event_id=shop.event.pk) is None


def test_forged_signature_with_another_key_is_rejected(shop: Shop) -> None:
    line = _ticket_line(shop)
    data = base45.b45decode(ticket_payload(line=line))
    forger = Ed25519PrivateKey.generate()
    forged = base45.b45encode(data[:17] + forger.sign(data[:17])).decode()
    public_key = event_public_key(event_id=shop.event.pk)
    assert ticket_verify(text=forged, public_key=public_key, event_id=shop.event.pk) is None
    forger_public = forger.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert ticket_verify(text=forged, public_key=forger_public, event_id=shop.event.pk) is not None


@pytest.mark.parametrize(
    "text",
    ["", "hello", "abc", "::::", "GGW", "É" * 122, "\x00" * 10, "0" * 122, "Z" * 122, " " * 3, "A" * 5000,
     "HTTPS://EXAMPLE.ORG/"],
)
def test_garbage_is_rejected_without_raising(shop: Shop, text: str) -> None:
    event_key_get_or_create(event=shop.event)
    public_key = event_public_key(event_id=shop.event.pk)
    assert ticket_verify(text=text, public_key=public_key, event_id=shop.event.pk) is None


def test_bad_public_key_or_input_type_never_raises(shop: Shop) -> None:
    text = ticket_payload(line=_ticket_line(shop))
    for public_key in [b"", b"\x00" * 31, b"\x00" * 33]:
        assert ticket_verify(text=text, public_key=public_key, event_id=shop.event.pk) is None
    for bad in [None, b"ABC", 12]:
        assert ticket_verify(text=bad, public_key=b"\x00" * 32, event_id=shop.event.pk) is None  # type: ignore[arg-type]


def test_event_key_is_made_once_and_private_key_encrypted(shop: Shop) -> None:
    first = event_key_get_or_create(event=shop.event)
    second = event_key_get_or_create(event=shop.event)
    assert first.pk == second.pk
    assert EventKey.objects.count() == 1
    assert len(bytes(first.public_key)) == 32
    private_raw = event_key_private(key=first).private_bytes_raw()
    assert private_raw not in bytes(first.private_key_encrypted)


def test_event_key_survives_a_secret_key_rotation(shop: Shop, settings: object) -> None:
    key = event_key_get_or_create(event=shop.event)
    old_secret = settings.SECRET_KEY  # type: ignore[attr-defined]
    settings.SECRET_KEY = "a brand new secret key for the rotation test"  # type: ignore[attr-defined]
    settings.SECRET_KEY_FALLBACKS = [old_secret]  # type: ignore[attr-defined]
    assert event_key_private(key=key).public_key().public_bytes_raw() == bytes(key.public_key)


def test_event_key_race_returns_the_stored_key(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another request stored the key between our lookup and our insert: we use theirs."""
    from django.db import IntegrityError

    stored = event_key_get_or_create(event=shop.event)
    original_filter = EventKey.objects.filter
    monkeypatch.setattr(EventKey.objects, "filter", lambda *a, **k: original_filter(*a, **k).none())

    def insert_collides(**kwargs: object) -> object:
        raise IntegrityError("UNIQUE constraint failed: tickets_eventkey.event_id")

    monkeypatch.setattr(EventKey.objects, "get_or_create", insert_collides)
    assert event_key_get_or_create(event=shop.event).pk == stored.pk
    monkeypatch.undo()
    assert EventKey.objects.count() == 1


def test_public_key_of_event_without_key_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound):
        event_public_key(event_id=shop.event.pk)
