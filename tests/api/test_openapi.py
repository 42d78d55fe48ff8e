from __future__ import annotations

from django.test import Client


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
