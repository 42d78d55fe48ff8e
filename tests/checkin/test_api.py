"""The check-in API: permission, tenant isolation, every answer, bundle, sync, rate limits."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.checkin import ratelimit
from billetterie.checkin.models import Scan
from billetterie.core import clock
from billetterie.orders.models import Order, OrderState
from billetterie.tickets.selectors import event_public_key
from billetterie.tickets.services import ticket_reissue
from tests.factories import Shop, door, shop_create, tickets_issued

pytestmark = pytest.mark.django_db


def _token(shop: Shop, permissions: str = "checkin") -> dict[str, str]:
    _row, token = api_token_create(organizer=shop.organizer, name="porte", permissions=permissions)
    return {"Authorization": f"Bearer {token}"}


def _post(client: Client, url: str, body: object, headers: dict[str, str]) -> tuple[int, dict]:
    response = client.post(url, data=body, content_type="application/json", headers=headers)
    return response.status_code, response.json()


def test_needs_the_checkin_permission(shop: Shop, client: Client) -> None:
    door(shop)
    assert client.get("/api/v1/checkin/lists").status_code == 401
    assert client.get("/api/v1/checkin/lists", headers=_token(shop, "read,orders")).status_code == 403
    assert client.get("/api/v1/checkin/lists", headers=_token(shop)).status_code == 200


def test_lists_with_counts_and_redeem_answers(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(line, text), (_line2, _text2)] = tickets_issued(shop, 2)
    headers = _token(shop)
    [listed] = client.get("/api/v1/checkin/lists", headers=headers).json()
    assert (listed["id"], listed["checked_in"], listed["sold"]) == (checkin_list.pk, 0, 2)

    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    status, first = _post(client, url, {"text": text, "device_id": "porte-1"}, headers)
    assert status == 200 and first["result"] == "ok" and first["ok"] is True
    assert first["ticket"]["name"] == "Camille Durand" and first["ticket"]["line_id"] == line.pk
    status, again = _post(client, url, {"text": text, "device_id": "porte-2"}, headers)
    assert again["result"] == "already_redeemed" and not again["ok"]
    assert again["first_device"] == "porte-1" and again["first_scanned_at"]
    assert again["message"] == "Déjà scanné"
    status, unknown = _post(client, url, {"text": "nope", "device_id": "porte-2"}, headers)
    assert unknown["result"] == "unknown" and unknown["ticket"] is None

    detail = client.get(f"/api/v1/checkin/lists/{checkin_list.pk}", headers=headers).json()
    assert (detail["checked_in"], detail["sold"]) == (1, 2)
    assert detail["dates"] == [
        {"date_id": shop.date.pk, "start": detail["dates"][0]["start"], "checked_in": 1, "sold": 2}
    ]


def test_retried_redeem_with_the_same_client_id_counts_once(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    headers = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    body = {"text": text, "device_id": "porte-1", "client_scan_id": "abc123"}
    assert _post(client, url, body, headers)[1]["result"] == "ok"
    assert _post(client, url, body, headers)[1]["result"] == "ok"  # the same scan, answered again


def test_another_organisers_list_is_not_found(shop: Shop, client: Client) -> None:
    rival = shop_create(slug="rival")
    rival_list, _scope = door(rival)
    [(_line, text)] = tickets_issued(rival)
    headers = _token(shop)
    assert client.get(f"/api/v1/checkin/lists/{rival_list.pk}", headers=headers).status_code == 404
    url = f"/api/v1/checkin/lists/{rival_list.pk}/redeem"
    status, body = _post(client, url, {"text": text, "device_id": "x"}, headers)
    assert status == 404 and body["code"] == "list_not_found"
    assert client.get("/api/v1/checkin/lists", headers=headers).json() == []


def test_undo_and_search(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    headers = _token(shop)
    base = f"/api/v1/checkin/lists/{checkin_list.pk}"
    _post(client, f"{base}/redeem", {"text": text, "device_id": "d"}, headers)
    found = client.get(f"{base}/search", {"q": "camille"}, headers=headers).json()
    assert [f["line_id"] for f in found] == [line.pk] and found[0]["checked_in_at"]
    by_code = client.get(f"{base}/search", {"q": line.order.code}, headers=headers).json()
    assert [f["serial"] for f in by_code] == [line.serial]
    status, undone = _post(client, f"{base}/undo", {"line_id": line.pk, "device_id": "d"}, headers)
    assert status == 200 and undone["ok"]
    status, missing = _post(client, f"{base}/undo", {"line_id": line.pk, "device_id": "d"}, headers)
    assert status == 404 and missing["code"] == "not_checked_in"
    assert _post(client, f"{base}/redeem", {"text": text, "device_id": "d"}, headers)[1]["result"] == "ok"


def test_bundle_has_key_revocations_and_names(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    issued = tickets_issued(shop, 3)
    (kept, _kept_text), (reissued, _old_text), (refunded, _t) = issued
    old_nonce = bytes(reissued.ticket_nonce).hex()
    ticket_reissue(line=reissued)
    Order.objects.filter(pk=refunded.order_id).update(state=OrderState.CANCELLED)  # same order for all three
    headers = _token(shop)
    bundle = client.get(f"/api/v1/checkin/lists/{checkin_list.pk}/bundle", headers=headers).json()
    assert base64.b64decode(bundle["public_key"]) == event_public_key(event_id=shop.event.pk)
    assert bundle["payload_version"] == 1
    revoked = {(r["line_id"], r["nonce"]) for r in bundle["revoked"]}
    assert (reissued.pk, old_nonce) in revoked
    assert {line_id for line_id, _n in revoked} == {kept.pk, reissued.pk, refunded.pk}  # the order is cancelled
    assert bundle["tickets"] == []


def test_bundle_ticket_list(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(line, text), (other, _t)] = tickets_issued(shop, 2)
    headers = _token(shop)
    _post(client, f"/api/v1/checkin/lists/{checkin_list.pk}/redeem", {"text": text, "device_id": "d1"}, headers)
    bundle = client.get(f"/api/v1/checkin/lists/{checkin_list.pk}/bundle", headers=headers).json()
    by_line = {t["line_id"]: t for t in bundle["tickets"]}
    assert by_line[line.pk]["name"] == "Camille Durand"
    assert by_line[line.pk]["nonce"] == bytes(line.ticket_nonce).hex()
    assert by_line[line.pk]["checked_in_device"] == "d1" and by_line[line.pk]["checked_in_at"]
    assert by_line[other.pk]["checked_in_at"] is None and by_line[other.pk]["serial"] == other.serial
    assert bundle["revoked"] == []


def test_sync_is_idempotent_and_flags_double_entries(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(_first, first_text), (_second, second_text)] = tickets_issued(shop, 2)
    headers = _token(shop)
    base = f"/api/v1/checkin/lists/{checkin_list.pk}"
    with time_machine.travel(clock.now(), tick=False) as traveller:
        offline_at = clock.now()
        traveller.shift(timedelta(minutes=5))
        # another device, online, lets the first ticket in after the offline device did
        assert _post(client, f"{base}/redeem", {"text": first_text, "device_id": "online"}, headers)[1]["ok"]
        traveller.shift(timedelta(minutes=5))
        scans = [
            {"client_scan_id": "s1", "text": first_text, "scanned_at": offline_at.isoformat()},
            {"client_scan_id": "s2", "text": second_text,
             "scanned_at": (offline_at + timedelta(minutes=1)).isoformat()},
        ]
        status, outcomes = _post(client, f"{base}/sync", {"device_id": "offline", "scans": scans}, headers)
        assert status == 200
        by_id = {o["client_scan_id"]: o for o in outcomes}
        # the offline scan was first: it wins, and both are flagged
        assert by_id["s1"]["result"] == "ok" and by_id["s1"]["conflict"] is True
        assert by_id["s2"]["result"] == "ok" and by_id["s2"]["conflict"] is False
        again = _post(client, f"{base}/sync", {"device_id": "offline", "scans": scans}, headers)[1]
        assert [(o["client_scan_id"], o["result"]) for o in again] == [("s1", "ok"), ("s2", "ok")]
        detail = client.get(base, headers=headers).json()
        assert detail["checked_in"] == 2
        # a later offline scan of a ticket already in: refused, flagged, the first entry stands
        late = [{"client_scan_id": "s3", "text": second_text, "scanned_at": clock.now().isoformat()}]
        [o] = _post(client, f"{base}/sync", {"device_id": "other-offline", "scans": late}, headers)[1]
        assert o["result"] == "already_redeemed" and o["conflict"] is True and o["first_device"] == "offline"


def test_unknown_tickets_are_rate_limited(shop: Shop, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "FAILED_LOOKUPS_PER_WINDOW", 5)
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    headers = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    with time_machine.travel(clock.now(), tick=False):
        for i in range(5):
            assert _post(client, url, {"text": f"ABCDEF-{i}", "device_id": "d"}, headers)[0] == 200
        status, body = _post(client, url, {"text": text, "device_id": "d"}, headers)
        assert status == 429 and body["code"] == "rate_limited"
        assert _post(client, url, {"text": text, "device_id": "d"}, _token(shop))[1]["result"] == "ok"


def test_unknown_tickets_in_a_sync_count_towards_the_same_limit(
    shop: Shop, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync carries up to 500 scans: without the limit, one request was 500 serial guesses."""
    monkeypatch.setattr(ratelimit, "FAILED_LOOKUPS_PER_WINDOW", 5)
    checkin_list, _scope = door(shop)
    [(line, text)] = tickets_issued(shop)
    headers = _token(shop)
    base = f"/api/v1/checkin/lists/{checkin_list.pk}"
    with time_machine.travel(clock.now(), tick=False):
        at = clock.now().isoformat()
        scans = [{"client_scan_id": "real", "text": text, "scanned_at": at}] + [
            {"client_scan_id": f"g{i}", "text": f"ABCDEF-{i}", "scanned_at": at} for i in range(500 - 1)
        ]
        status, body = _post(client, f"{base}/sync", {"device_id": "d", "scans": scans}, headers)
        assert status == 429 and body["code"] == "rate_limited"
        assert Scan.objects.filter(result="unknown").count() == 0  # unknown serials leave no row
        assert Scan.objects.get(line=line).client_scan_id == "real"  # the scan before the limit stands
        # the token is refused everywhere for the rest of the minute
        assert _post(client, f"{base}/redeem", {"text": "ABCDEF-999", "device_id": "d"}, headers)[0] == 429
        assert _post(client, f"{base}/sync", {"device_id": "d", "scans": scans[:1]}, headers)[0] == 429
    # a minute later the same batch is safe to send again: the applied scan counts once
    with time_machine.travel(clock.now() + timedelta(minutes=2), tick=False):
        status, outcomes = _post(client, f"{base}/sync", {"device_id": "d", "scans": scans[:3]}, headers)
        assert status == 200 and [o["result"] for o in outcomes] == ["ok", "unknown", "unknown"]
        assert Scan.objects.filter(line=line).count() == 1


def test_search_is_rate_limited(shop: Shop, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "SEARCHES_PER_WINDOW", 3)
    checkin_list, _scope = door(shop)
    headers = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/search"
    with time_machine.travel(clock.now(), tick=False):
        assert [client.get(url, {"q": "ab"}, headers=headers).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_every_error_is_declared_in_the_schema(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    redeem = schema["paths"]["/api/v1/checkin/lists/{list_id}/redeem"]["post"]["responses"]
    assert {"200", "401", "403", "404", "422", "429"} <= set(redeem)
    sync = schema["paths"]["/api/v1/checkin/lists/{list_id}/sync"]["post"]["responses"]
    assert {"200", "401", "403", "404", "422", "429"} <= set(sync)


def test_redeem_answer_matches_its_declared_schema(shop: Shop, client: Client) -> None:
    from billetterie.api.checkin import RedeemOut

    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    headers = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    for body in ({"text": text, "device_id": "a"}, {"text": text, "device_id": "b"}, {"text": "x", "device_id": "c"}):
        response = client.post(url, data=body, content_type="application/json", headers=headers)
        assert response["Content-Type"].startswith("application/json")
        document = response.json()
        parsed = RedeemOut.model_validate(document)
        assert set(document) == set(RedeemOut.model_fields)
        if document["first_scanned_at"]:
            assert document["first_scanned_at"].endswith("Z")  # as every other time of the API
        assert parsed.result == document["result"]
