"""The offline verifier refuses 100,000 forged, truncated, bit-flipped and other-event payloads,
and answers like the server for genuine, revoked and already scanned tickets."""

from __future__ import annotations

import random

import base45
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.catalog.models import Event
from billetterie.checkin.models import ScanResult
from billetterie.checkin.offline import OfflineVerifier
from billetterie.orders.models import Order, OrderState
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import event_key_get_or_create, event_key_private, ticket_reissue
from billetterie.tickets.signing import PAYLOAD_LENGTH, b45decode, ticket_payload, ticket_verify
from tests.factories import Shop, door, tickets_issued

pytestmark = pytest.mark.django_db

CASES = 100_000
HEADER = 17


def _bundle(shop: Shop, list_id: int) -> dict:
    _row, token = api_token_create(organizer=shop.organizer, name="porte", permissions="checkin")
    response = Client().get(f"/api/v1/checkin/lists/{list_id}/bundle", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.json()


_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_PAIRS = [_B45[v % 45] + _B45[v // 45 % 45] + _B45[v // 2025] for v in range(65536)]


def _b45encode(data: bytes) -> str:
    """base45 by table (the package is slow for 100,000 payloads); checked against it below."""
    text = "".join(_PAIRS[data[i] << 8 | data[i + 1]] for i in range(0, len(data) - 1, 2))
    if len(data) % 2:
        text += _B45[data[-1] % 45] + _B45[data[-1] // 45]
    return text


def _bad_payloads(genuine: list[bytes], other_event_id: int, other_key: Ed25519PrivateKey, n: int) -> list[str]:
    """n payloads none of which is a genuine ticket of the event, in five families."""
    rng = random.Random(20261123)  # the same cases on every run
    forger = Ed25519PrivateKey.generate()
    out: list[str] = []
    for i in range(n):
        data = bytearray(rng.choice(genuine))
        family = i % 5
        if family == 0:  # one bit flipped anywhere
            data[rng.randrange(PAYLOAD_LENGTH)] ^= 1 << rng.randrange(8)
        elif family == 1:  # truncated or extended
            cut = rng.randrange(PAYLOAD_LENGTH)
            data = data[:cut] if rng.random() < 0.7 else data + bytes(rng.randrange(1, 8))
        elif family == 2:  # forged: our header (or another line's), signed by another key or random bytes
            data[5:9] = rng.randrange(1, 2**32).to_bytes(4, "big") if rng.random() < 0.5 else data[5:9]
            signature = forger.sign(bytes(data[:HEADER])) if rng.random() < 0.25 else rng.randbytes(64)
            data[HEADER:] = signature
        elif family == 3:  # a genuine signature of another event (its id, or ours in the header)
            data[1:5] = other_event_id.to_bytes(4, "big")
            data[HEADER:] = other_key.sign(bytes(data[:HEADER]))
            if rng.random() < 0.5:
                data[1:5] = genuine[0][1:5]
        else:  # header fields rewritten: version, event, line or nonce, signature kept
            field = rng.choice([(0, 1), (1, 5), (5, 9), (9, 17)])
            start, end = field
            data[start:end] = rng.randbytes(end - start)
            if bytes(data) in genuine:
                data[0] ^= 0x80
        out.append(_b45encode(bytes(data)))
    return out


def test_one_hundred_thousand_bad_payloads_are_refused(shop: Shop) -> None:
    checkin_list, _scope = door(shop)
    issued = tickets_issued(shop, 4)
    genuine = [base45.b45decode(text) for _line, text in issued]
    other = Event.objects.create(organizer=shop.organizer, title="Autre", slug="autre")
    other_key = event_key_private(key=event_key_get_or_create(event=other))
    bundle = _bundle(shop, checkin_list.pk)
    verifier = OfflineVerifier(bundle=bundle)
    public_key = event_public_key(event_id=shop.event.pk)

    bad = _bad_payloads(genuine, other.pk, other_key, CASES)
    assert len(bad) == CASES
    for i in range(0, CASES, 997):  # the fast encoder agrees with the base45 package
        assert bad[i] == base45.b45encode(base45.b45decode(bad[i])).decode()
    accepted = [text for text in bad if verifier.check(text).result != ScanResult.UNKNOWN]
    assert accepted == []
    # the online check refuses them too (a sample: it is the same function)
    assert all(ticket_verify(text=t, public_key=public_key, event_id=shop.event.pk) is None for t in bad[:2000])
    # and the genuine ones still pass, once
    for _line, text in issued:
        assert verifier.check(text).ok
        assert verifier.check(text).result == ScanResult.ALREADY_REDEEMED


def test_fast_base45_decoder_agrees_with_the_package() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        data = rng.randbytes(rng.randrange(0, 90))
        text = base45.b45encode(data).decode()
        assert b45decode(text) == data
    for bad in ["A", "ABCD", "GGW", ":::", "abc", "É12", "ZZZZ"]:
        try:
            expected = base45.b45decode(bad)
        except ValueError:
            expected = None
        assert b45decode(bad) == expected


def test_offline_answers_match_the_server(shop: Shop) -> None:
    checkin_list, _scope = door(shop)
    [(kept, kept_text), (reissued, old_text)] = tickets_issued(shop, 2)
    ticket_reissue(line=reissued)
    new_text = ticket_payload(line=reissued)
    later_order = tickets_issued(shop, 1)  # another order, cancelled below
    (cancelled, cancelled_text) = later_order[0]
    Order.objects.filter(pk=cancelled.order_id).update(state=OrderState.CANCELLED)
    verifier = OfflineVerifier(bundle=_bundle(shop, checkin_list.pk), device_id="tel-1")
    assert verifier.check(old_text).result == ScanResult.REVOKED
    assert verifier.check(cancelled_text).result == ScanResult.REVOKED
    assert verifier.check(new_text).ok
    assert verifier.check(kept.serial).ok
    again = verifier.check(kept_text)
    assert again.result == ScanResult.ALREADY_REDEEMED and again.first_device == "tel-1"
    assert verifier.check("ZZZZZZ-1").result == ScanResult.UNKNOWN
    assert verifier.check(None).result == ScanResult.UNKNOWN  # type: ignore[arg-type]
