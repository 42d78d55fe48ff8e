"""The scanners' fast lane (api/fastlane.py) answers exactly what the Django endpoint answers, and
leaves to Django every request it is not sure of."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from billetterie.api.checkin import ScannerTokenAuth
from billetterie.api.fastlane import FastLaneWSGIHandler
from billetterie.api.services import api_token_create
from billetterie.checkin import ratelimit
from billetterie.core import clock
from tests.factories import Shop, door, shop_create, tickets_issued

pytestmark = pytest.mark.django_db

Answer = tuple[int, dict[str, str], dict[str, Any]]


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    ScannerTokenAuth._memo.clear()
    yield
    ScannerTokenAuth._memo.clear()


@pytest.fixture
def django_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests that went through Django's middleware and URL resolver."""
    calls: list[str] = []
    original = BaseHandler.get_response

    def spy(self: BaseHandler, request: Any) -> Any:
        calls.append(request.path)
        return original(self, request)

    monkeypatch.setattr(BaseHandler, "get_response", spy)
    return calls


def call(app: WSGIHandler, path: str, body: object, token: str | None = None, method: str = "POST",
         language: str = "fr") -> Answer:
    """One request through a WSGI application, as a server would make it. Like Django's test
    client, connections are not closed around it (the test's transaction holds them)."""
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr, "HTTP_ACCEPT_LANGUAGE": language,
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        started.update(status=int(status.split()[0]), headers=dict(headers))

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = app(environ, start_response)
        content = b"".join(response)
        response.close()  # type: ignore[attr-defined]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    is_json = started["headers"].get("Content-Type", "").startswith("application/json")
    return started["status"], started["headers"], json.loads(content) if is_json else {"html": content}


def _token(shop: Shop, permissions: str = "checkin") -> str:
    return api_token_create(organizer=shop.organizer, name="porte", permissions=permissions)[1]


def _same_but_ids(a: Any, b: Any) -> bool:
    """Equal once what differs between two tickets (ids, name, entry time) is left out."""
    def strip(doc: Any) -> str:
        text = json.dumps(doc, sort_keys=True)
        return re.sub(r'"(line_id|serial|name|first_scanned_at)": ("[^"]*"|[0-9]+)', '"\\1": "*"', text)

    return strip(a) == strip(b)


def test_a_scan_takes_the_fast_lane_and_gets_the_endpoints_answer(shop: Shop, django_calls: list[str]) -> None:
    fast, plain = FastLaneWSGIHandler(), WSGIHandler()
    checkin_list, _scope = door(shop)
    [(_l1, first), (_l2, second)] = tickets_issued(shop, 2)
    token = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"

    reference = call(plain, url, {"text": first, "device_id": "porte-1"}, token)  # Django, and remembers the token
    assert django_calls == [url]
    answer = call(fast, url, {"text": second, "device_id": "porte-1"}, token)
    assert django_calls == [url]  # the fast lane answered
    assert answer[0] == reference[0] == 200 and answer[2]["result"] == "ok"
    assert _same_but_ids(answer[2], reference[2])
    assert answer[1].keys() == reference[1].keys()  # Content-Length too: keep-alive clients need it
    assert {k: v for k, v in answer[1].items() if k != "Content-Length"} == {
        k: v for k, v in reference[1].items() if k != "Content-Length"
    }

    again_fast = call(fast, url, {"text": first, "device_id": "porte-2"}, token)
    again_plain = call(plain, url, {"text": second, "device_id": "porte-2"}, token)
    assert again_fast[2]["result"] == again_plain[2]["result"] == "already_redeemed"
    assert again_fast[2]["first_device"] == "porte-1" and again_fast[2]["first_scanned_at"]
    assert _same_but_ids(again_fast[2], again_plain[2])


def test_the_fast_lane_speaks_the_scanners_language(shop: Shop, django_calls: list[str]) -> None:
    app = FastLaneWSGIHandler()
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    token = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    call(app, url, {"text": "nope", "device_id": "d"}, token)  # through Django: remembers the token
    status, headers, body = call(app, url, {"text": text, "device_id": "d"}, token, language="en")
    assert len(django_calls) == 1
    assert (status, body["message"], headers["Content-Language"]) == (200, "Welcome!", "en")
    assert "Accept-Language" in headers["Vary"]
    status, headers, body = call(app, url, {"text": text, "device_id": "d"}, token, language="fr")
    assert (body["message"], headers["Content-Language"]) == ("Déjà scanné", "fr")


def test_what_the_fast_lane_is_not_sure_of_goes_to_django(shop: Shop, django_calls: list[str]) -> None:
    app = FastLaneWSGIHandler()
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    token = _token(shop)
    scan = {"text": text, "device_id": "d"}

    status, headers, body = call(app, url, scan, None)
    assert (status, body["code"]) == (401, "unauthorized") and headers["WWW-Authenticate"].startswith("Bearer")
    assert call(app, url, scan, "blt_not-a-token")[0] == 401
    assert call(app, url, scan, _token(shop, "read,orders"))[0] == 403
    assert len(django_calls) == 3

    call(app, url, {"text": "nope", "device_id": "d"}, token)  # now remembered
    django_calls.clear()
    status, _h, body = call(app, url, {"text": text}, token)  # no device id
    assert (status, body["code"]) == (422, "invalid")
    assert call(app, url, b"{not json", token)[0] in (400, 422)
    assert call(app, url, scan, token, method="GET")[0] == 405
    assert len(django_calls) == 3
    assert call(app, url, scan, token)[2]["result"] == "ok"  # and a good scan still goes fast
    assert len(django_calls) == 3


def test_another_organisers_list_is_not_found_on_the_fast_lane(shop: Shop, django_calls: list[str]) -> None:
    app = FastLaneWSGIHandler()
    other = shop_create(slug="autre-asso")
    theirs, _scope = door(other)
    mine, _scope = door(shop)
    token = _token(shop)
    call(app, f"/api/v1/checkin/lists/{mine.pk}/redeem", {"text": "nope", "device_id": "d"}, token)
    status, _h, body = call(app, f"/api/v1/checkin/lists/{theirs.pk}/redeem", {"text": "x", "device_id": "d"}, token)
    assert (status, body["code"]) == (404, "list_not_found")
    assert len(django_calls) == 1


def test_unknown_tickets_are_rate_limited_on_the_fast_lane(
    shop: Shop, django_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "FAILED_LOOKUPS_PER_WINDOW", 3)
    app = FastLaneWSGIHandler()
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    token = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    with time_machine.travel(clock.now(), tick=False):
        statuses = [call(app, url, {"text": f"ABCDEF-{i}", "device_id": "d"}, token)[0] for i in range(3)]
        status, _h, body = call(app, url, {"text": text, "device_id": "d"}, token)
    assert statuses == [200, 200, 200] and (status, body["code"]) == (429, "rate_limited")
    assert len(django_calls) == 1  # only the first, before the token was remembered


def test_an_error_on_the_fast_lane_is_a_500_as_in_django(
    shop: Shop, django_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FastLaneWSGIHandler()
    checkin_list, _scope = door(shop)
    token = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    call(app, url, {"text": "nope", "device_id": "d"}, token)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("billetterie.api.checkin.scan_redeem", broken)
    status, _h, _body = call(app, url, {"text": "nope", "device_id": "d"}, token)
    assert status == 500 and len(django_calls) == 1


def test_a_client_scan_id_given_to_another_ticket_is_refused_on_the_fast_lane(
    shop: Shop, django_calls: list[str]
) -> None:
    """As the endpoint refuses it (a 500 "did not settle" before), in the scanner's language."""
    fast, plain = FastLaneWSGIHandler(), WSGIHandler()
    checkin_list, _scope = door(shop)
    [(_l1, first), (_l2, second), (_l3, third)] = tickets_issued(shop, 3)
    token = _token(shop)
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    assert call(plain, url, {"text": first, "device_id": "d", "client_scan_id": "1"}, token)[2]["ok"]
    reference = call(plain, url, {"text": second, "device_id": "d", "client_scan_id": "1"}, token, language="en")
    assert len(django_calls) == 2
    status, headers, body = call(fast, url, {"text": third, "device_id": "d", "client_scan_id": "1"}, token,
                                 language="en")
    assert len(django_calls) == 2  # the fast lane answered
    assert (status, body) == (reference[0], reference[2]) == (422, {
        "code": "scan_id_reused",
        "message": "This device already used this scan id for another ticket: give each scan its own id.",
    })
    assert headers["Content-Language"] == "en"
    assert call(fast, url, {"text": first, "device_id": "d", "client_scan_id": "1"}, token)[2]["result"] == "ok"
