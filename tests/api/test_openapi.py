from __future__ import annotations

import re
from typing import Any

from django.test import Client

from billetterie.api.services import api_token_create
from tests.factories import Shop


def test_openapi_is_served_with_errors_and_bearer_auth(client: Client, db: None) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "billetterie"
    assert schema["info"]["version"] == "1"
    assert set(schema["paths"]) >= {"/api/v1/events", "/api/v1/orders/{code}"}
    for path in ("/api/v1/events", "/api/v1/orders/{code}"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "403", "404"} <= set(responses)
        error = responses["404"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorOut"}
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message"]
    schemes = schema["components"]["securitySchemes"]
    assert any(s == {"type": "http", "scheme": "bearer"} for s in schemes.values())


# --- every operation declares every status it answers (GUIDE §1) ---------------------------------

METHODS = ("get", "post", "put", "patch", "delete")
EVERY_OPERATION = {"400", "401", "403", "404", "422"}  # api/errors.ERRORS


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in schema["paths"].items() for method, op in item.items()
            if method in METHODS]


def test_every_operation_declares_the_errors_any_request_can_get(client: Client, db: None) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operations = _operations(schema)
    assert len(operations) >= 11
    for method, path, op in operations:
        declared = set(op["responses"])
        assert EVERY_OPERATION <= declared, (method, path, EVERY_OPERATION - declared)
        for status in EVERY_OPERATION:
            assert op["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
        if method == "post" and path.startswith("/api/v1/orders"):
            assert "409" in declared, (method, path)  # no room, a replayed key with another body…
    limited = {(m, p) for m, p, op in operations if "429" in op["responses"]}
    assert {("post", "/api/v1/checkin/lists/{list_id}/redeem"), ("post", "/api/v1/checkin/lists/{list_id}/sync"),
            ("get", "/api/v1/checkin/lists/{list_id}/search"), ("get", "/api/v1/orders/{code}"),
            ("post", "/api/v1/orders/{code}/payments"), ("post", "/api/v1/orders/{code}/cancel")} <= limited


def _probes(method: str, path: str, op: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """Requests that provoke each kind of error an operation can answer: (url, query, body)."""
    url = re.sub(r"\{[^}]+\}", "1", path)
    with_body = "requestBody" in op
    probes: list[tuple[str, str, str | None]] = [
        (url, "", "{}" if with_body else None),  # an empty body: 422; unknown ids: 404
        (url, "x=%00", "{}" if with_body else None),  # NUL: 400
        (re.sub(r"\{[^}]+\}", "999999999", path), "", "{}" if with_body else None),
    ]
    if "{" in path:
        probes.append((re.sub(r"\{[^}]+\}", "not-a-number", path), "", "{}" if with_body else None))
    if with_body:
        probes += [(url, "", "{not json"), (url, "", "[]"), (url, "", '{"lines": "x", "text": 1}')]
    for param in op.get("parameters", []):
        if param["in"] == "query":
            probes.append((url, f"{param['name']}=%ff%fe-not-valid", None if not with_body else "{}"))
    return probes


def test_every_status_an_operation_answers_is_declared(client: Client, shop: Shop) -> None:
    """Each operation, sent what provokes its errors (no token, a token without its permission, a
    NUL, a body that is not JSON or does not validate, unknown ids), answers only statuses its
    OpenAPI entry declares, each as the ErrorOut document."""
    schema = client.get("/api/v1/openapi.json").json()
    tokens = {name: api_token_create(organizer=shop.organizer, name=name, permissions=name)[1]
              for name in ("read", "orders", "checkin")}
    seen: set[int] = set()
    for method, path, op in _operations(schema):
        declared = {int(s) for s in op["responses"]}
        for headers in ({}, *({"Authorization": f"Bearer {t}"} for t in tokens.values())):
            for url, query, body in _probes(method, path, op):
                target = f"{url}?{query}" if query else url
                if body is None:
                    response = getattr(client, method)(target, headers=headers)
                else:
                    response = getattr(client, method)(target, data=body, content_type="application/json",
                                                       headers=headers)
                seen.add(response.status_code)
                assert response.status_code in declared, (method, target, body, response.status_code,
                                                          response.content[:300])
                if response.status_code >= 400:
                    assert set(response.json()) <= {"code", "message", "details"}, (method, target)
    assert {400, 401, 403, 404, 422} <= seen  # the probes did reach each kind of error


def test_a_body_that_is_not_json_is_a_400_in_the_readers_language(client: Client, shop: Shop) -> None:
    token = api_token_create(organizer=shop.organizer, name="t", permissions="orders")[1]
    response = client.post("/api/v1/orders", data="{not json", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json() == {"code": "body_unreadable", "message": (
        "Le corps de la requête est illisible\u00a0: envoyez du JSON (Content-Type: application/json).")}
