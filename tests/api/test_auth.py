from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from billetterie.api.models import ApiToken
from billetterie.api.services import api_token_create, api_token_revoke, permissions_parse
from billetterie.core.errors import InvalidInput
from tests.api.conftest import MakeToken, auth
from tests.factories import Shop, order_placed, shop_create


def test_token_is_shown_once_and_only_its_hash_is_stored(shop: Shop) -> None:
    row, token = api_token_create(organizer=shop.organizer, name="Scanner", permissions="checkin, read")
    assert token.startswith("blt_") and len(token) > 40
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.prefix, row.name}
    assert row.permissions == ["read", "checkin"]
    assert not row.can_orders


def test_unknown_or_no_permission_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidInput):
        api_token_create(organizer=shop.organizer, name="x", permissions="read,admin")
    with pytest.raises(InvalidInput):
        permissions_parse("")


def test_valid_token_authenticates_and_is_marked_used(api_client: Client, make_token: MakeToken) -> None:
    token = make_token("read")
    response = api_client.get("/api/v1/events", headers=auth(token))
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_missing_token_is_401_with_json_error(api_client: Client, shop: Shop) -> None:
    response = api_client.get("/api/v1/events")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer blt_wrong", "Bearer nope", "Basic Zm9vOmJhcg==", "Bearer ", "Bearer blt_" + "x" * 500],
)
def test_wrong_token_is_401(api_client: Client, make_token: MakeToken, header: str) -> None:
    make_token()
    response = api_client.get("/api/v1/events", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_revoked_token_is_401(api_client: Client, make_token: MakeToken) -> None:
    token = make_token()
    api_token_revoke(token=ApiToken.objects.get())
    assert api_client.get("/api/v1/events", headers=auth(token)).status_code == 401


def test_token_without_the_permission_is_403(api_client: Client, shop: Shop, make_token: MakeToken) -> None:
    order = order_placed(shop)
    token = make_token("read")
    response = api_client.get(f"/api/v1/orders/{order.code}", headers=auth(token))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    orders_only = make_token("orders")
    assert api_client.get("/api/v1/events", headers=auth(orders_only)).status_code == 403


def test_order_of_the_tokens_organiser(api_client: Client, shop: Shop, make_token: MakeToken) -> None:
    order = order_placed(shop, tickets=2, meals=1, attendees=["Personne 0", "Personne 1"])
    response = api_client.get(f"/api/v1/orders/{order.code.lower()}", headers=auth(make_token()))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == order.code
    assert body["state"] == "pending"
    assert body["email"] == "acheteur@example.org"
    assert body["total_cents"] == 2 * 1500 + 1200 == sum(line["amount_cents"] for line in body["lines"])
    assert [line["kind"] for line in body["lines"]] == ["ticket", "ticket", "addon"]
    assert body["lines"][0]["attendee_name"] == "Personne 0"
    assert body["payments"] == []


def test_other_organisers_order_is_404(api_client: Client, shop: Shop, make_token: MakeToken) -> None:
    other = shop_create(slug="autre")
    foreign = order_placed(other)
    token = make_token()
    response = api_client.get(f"/api/v1/orders/{foreign.code}", headers=auth(token))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_client.get("/api/v1/orders/NOPE42", headers=auth(token)).status_code == 404


@pytest.mark.django_db
def test_revoked_token_stops_at_once_despite_the_cache(shop: Shop, make_token: MakeToken) -> None:
    from billetterie.api.models import ApiToken
    from billetterie.api.services import api_token_revoke

    token = make_token("read")
    client = Client()
    assert client.get("/api/v1/events", headers=auth(token)).status_code == 200  # now cached
    api_token_revoke(token=ApiToken.objects.get())
    assert client.get("/api/v1/events", headers=auth(token)).status_code == 401
