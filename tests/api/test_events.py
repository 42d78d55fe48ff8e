from __future__ import annotations

from typing import Any

from django.test import Client

from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
from billetterie.catalog.models import Event, Price, Publication
from billetterie.catalog.selectors import Visibility
from tests.api.conftest import MakeToken, auth
from tests.factories import Shop, shop_create


def _by_title(body: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["title"]: e for e in body}


def _product(event: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in event["products"] if p["name"] == name)


def test_events_with_products_prices_and_live_availability(
    api_client: Client, shop: Shop, make_token: MakeToken
) -> None:
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    cart_add(
        cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date, quantity=2),
        visibility=Visibility(),
    )
    cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=Visibility())

    response = api_client.get("/api/v1/events", headers=auth(make_token("read")))
    assert response.status_code == 200
    events = _by_title(response.json())
    assert set(events) == {"JIP 2027", "Adhésions 2026-2027"}

    jip = events["JIP 2027"]
    assert jip["publication"] == "published"
    assert [d["id"] for d in jip["dates"]] == [shop.date.pk]
    assert jip["dates"][0]["capacity"] == 100
    assert jip["dates"][0]["available"] == 98

    ticket = _product(jip, "Entrée")
    assert ticket["kind"] == "ticket"
    prices = [(p["name"], p["amount_cents"]) for p in ticket["prices"]]
    assert prices == [("Adulte", 1500), ("Étudiant", 1000)]
    assert ticket["availability"] == [{"date_id": shop.date.pk, "available": 98}]
    assert ticket["on_sale"] is True

    meal = _product(jip, "Repas")
    assert meal["availability"] == [{"date_id": None, "available": 49}]
    assert meal["addon_standalone"] is False

    donation = _product(jip, "Don")
    assert donation["availability"] == [{"date_id": None, "available": None}]
    assert donation["donation"] == {
        "min_cents": 100, "max_cents": 100000, "suggested_cents": [500, 1000, 2000]
    }

    membership = _product(events["Adhésions 2026-2027"], "Adhésion")
    assert membership["max_per_order"] == 1
    assert membership["prices"][0]["eligibility"] == "En cours d'études"


def test_only_the_tokens_organiser_drafts_included(
    api_client: Client, shop: Shop, make_token: MakeToken
) -> None:
    shop_create(slug="autre")
    Event.objects.create(organizer=shop.organizer, title="Brouillon", slug="brouillon")
    Price.objects.create(
        product=shop.membership, name="Bienfaiteur", amount_cents=3000, publication=Publication.PREVIEW
    )
    response = api_client.get("/api/v1/events", headers=auth(make_token("read")))
    events = _by_title(response.json())
    assert len(response.json()) == 3
    assert events["Brouillon"]["publication"] == "draft"
    prices = _product(events["Adhésions 2026-2027"], "Adhésion")["prices"]
    assert {p["name"]: p["publication"] for p in prices}["Bienfaiteur"] == "preview"


def test_section_filter(api_client: Client, shop: Shop, make_token: MakeToken) -> None:
    token = make_token("read")
    response = api_client.get("/api/v1/events?section=memberships", headers=auth(token))
    assert [e["title"] for e in response.json()] == ["Adhésions 2026-2027"]
    bad = api_client.get("/api/v1/events?section=nope", headers=auth(token))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid"
