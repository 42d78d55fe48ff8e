"""Check-in API input a device should not send, answered with a 4xx and nothing recorded (each
was a 500): a scan time without its offset, a client scan id given to a second ticket, an id no
row can have."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billetterie.api.services import api_token_create
from billetterie.checkin.models import Scan, ScanResult
from tests.factories import Shop, door, tickets_issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)  # a server error is a 500 here, as in production


def _auth(shop: Shop, language: str = "fr") -> dict[str, str]:
    _row, token = api_token_create(organizer=shop.organizer, name="t", permissions="checkin")
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


def _post(client: Client, url: str, body: object, headers: dict[str, str]) -> tuple[int, Any]:
    response = client.post(url, body, content_type="application/json", headers=headers)
    return response.status_code, response.json()


def test_sync_refuses_a_scan_time_without_its_offset(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/sync"
    naive = {"client_scan_id": "a", "text": text, "scanned_at": "2026-01-01T10:00:00"}
    status, body = _post(client, url, {"device_id": "porte-1", "scans": [naive]}, _auth(shop))
    assert (status, body["code"]) == (422, "invalid")
    assert "scanned_at" in str(body["details"])
    # with an aware one in the same batch (the two did not even sort): the whole batch is refused
    aware = {"client_scan_id": "b", "text": text, "scanned_at": "2026-01-01T10:00:00+01:00"}
    status, body = _post(client, url, {"device_id": "porte-1", "scans": [aware, naive]}, _auth(shop))
    assert (status, body["code"]) == (422, "invalid")
    assert not Scan.objects.exists()
    # what the scanner page sends (toISOString(): UTC with a Z) is accepted
    utc = {"client_scan_id": "c", "text": text, "scanned_at": "2026-01-01T09:00:00.000Z"}
    status, [outcome] = _post(client, url, {"device_id": "porte-1", "scans": [utc]}, _auth(shop))
    assert (status, outcome["result"]) == (200, "ok")


def test_redeem_refuses_a_client_scan_id_given_to_another_ticket(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(_first, first_text), (second, second_text)] = tickets_issued(shop, 2)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    status, body = _post(client, url, {"device_id": "porte-1", "text": first_text, "client_scan_id": "1"}, _auth(shop))
    assert (status, body["result"]) == (200, "ok")

    # an app whose counter restarted: its next scan comes with "1" again
    reused = {"device_id": "porte-1", "text": second_text, "client_scan_id": "1"}
    status, body = _post(client, url, reused, _auth(shop))
    assert (status, body["code"]) == (422, "scan_id_reused")
    assert body["message"] == (
        "Cet appareil a déjà utilisé cet identifiant de passage pour un autre billet\u00a0: "
        "donnez à chaque passage son propre identifiant."
    )
    status, body = _post(client, url, reused, _auth(shop, "en"))
    assert (status, body["message"]) == (
        422, "This device already used this scan id for another ticket: give each scan its own id."
    )
    assert not Scan.objects.filter(line=second).exists()
    # the first scan still stands, and the second ticket enters with an id of its own
    retried = {"device_id": "porte-1", "text": first_text, "client_scan_id": "1"}
    assert _post(client, url, retried, _auth(shop))[1]["result"] == "ok"
    fresh = {"device_id": "porte-1", "text": second_text, "client_scan_id": "2"}
    assert _post(client, url, fresh, _auth(shop))[1]["result"] == "ok"
    assert Scan.objects.filter(result=ScanResult.OK).count() == 2


def test_redeem_declares_the_refused_scan_id(client: Client, db: None) -> None:
    redeem = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/checkin/lists/{list_id}/redeem"]["post"]
    assert "422" in redeem["responses"] and "scan_id_reused" in redeem["description"]


def test_sync_refuses_alone_a_scan_whose_id_another_ticket_has(shop: Shop, client: Client) -> None:
    checkin_list, _scope = door(shop)
    [(_first, first_text), (second, second_text), (third, third_text)] = tickets_issued(shop, 3)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/sync"
    headers = _auth(shop)
    scan = {"client_scan_id": "1", "text": first_text, "scanned_at": "2026-01-01T10:00:00Z"}
    status, [outcome] = _post(client, url, {"device_id": "porte-1", "scans": [scan]}, headers)
    assert (status, outcome["result"]) == (200, "ok")

    scans = [
        {"client_scan_id": "1", "text": second_text, "scanned_at": "2026-01-01T10:01:00Z"},
        {"client_scan_id": "2", "text": third_text, "scanned_at": "2026-01-01T10:02:00Z"},
    ]
    status, outcomes = _post(client, url, {"device_id": "porte-1", "scans": scans}, headers)
    assert status == 200
    reused, applied = outcomes
    assert reused["client_scan_id"] == "1" and reused["result"] == "scan_id_reused"
    assert (reused["ok"], reused["conflict"]) == (False, False)
    assert reused["message"].startswith("Cet appareil a déjà utilisé cet identifiant de passage")
    assert reused["ticket"]["line_id"] == second.pk  # which ticket the door should look at again
    assert (applied["client_scan_id"], applied["result"], applied["ticket"]["line_id"]) == ("2", "ok", third.pk)
    assert not Scan.objects.filter(line=second).exists()
    # sent again (the page did not get the answer): the same answers, nothing more recorded
    assert [o["result"] for o in _post(client, url, {"device_id": "porte-1", "scans": scans}, headers)[1]] == [
        "scan_id_reused", "ok"
    ]
    assert Scan.objects.count() == 2


def test_sync_refuses_a_reused_id_when_the_other_ticket_is_already_in(shop: Shop, client: Client) -> None:
    """The offline path that meets another device's entry: the entry keeps standing, unflagged."""
    checkin_list, _scope = door(shop)
    [(_first, first_text), (second, second_text)] = tickets_issued(shop, 2)
    base = f"/api/v1/checkin/lists/{checkin_list.pk}"
    headers = _auth(shop)
    assert _post(client, f"{base}/redeem", {"device_id": "porte-2", "text": second_text}, headers)[1]["ok"]
    first = {"client_scan_id": "1", "text": first_text, "scanned_at": "2026-01-01T10:00:00Z"}
    assert _post(client, f"{base}/sync", {"device_id": "porte-1", "scans": [first]}, headers)[1][0]["ok"]

    reused = {"client_scan_id": "1", "text": second_text, "scanned_at": "2026-01-01T10:01:00Z"}
    [outcome] = _post(client, f"{base}/sync", {"device_id": "porte-1", "scans": [reused]}, headers)[1]
    assert (outcome["result"], outcome["conflict"]) == ("scan_id_reused", False)
    entry = Scan.objects.get(line=second)
    assert (entry.device_id, entry.result, entry.conflict) == ("porte-2", ScanResult.OK, False)


@pytest.mark.parametrize(("line_id", "code"), [(2**63, "invalid"), (0, "invalid"), (2**63 - 1, "not_checked_in")])
def test_undo_of_an_id_no_row_can_have_is_refused(shop: Shop, client: Client, line_id: int, code: str) -> None:
    checkin_list, _scope = door(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/undo"
    status, body = _post(client, url, {"line_id": line_id, "device_id": "porte-1"}, _auth(shop))
    assert (status, body["code"]) == (422 if code == "invalid" else 404, code)
    assert not Scan.objects.exists()
