"""Guessing order links (code + secret) is rate-limited per client (decision 0011): past the limit
of wrong links in the window, that client gets a 429 on the order page and its siblings (PDF,
wallet pass, status.json), right links included; other clients are not affected, and the window
ends. The API's reads by order code are limited per token the same way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from billetterie.api import selectors as api_selectors
from billetterie.api.services import api_token_create
from billetterie.core import clock
from billetterie.core.ratelimit import Limit
from billetterie.orders.models import Order
from billetterie.orders.selectors import ORDER_LINK_GUESSES
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db
LIMIT = ORDER_LINK_GUESSES.per_window


def _page(order: Order, secret: str | None = None) -> str:
    return reverse("shop:order", args=[order.organizer.slug, order.code, secret or order.secret])


def _guess(client: Client, order: Order, n: int, **extra: str) -> list[int]:
    return [client.get(_page(order, f"wrong-secret-{i:04d}-xxxxxxxxxxxxxxx"), **extra).status_code for i in range(n)]


def test_wrong_links_from_one_client_end_in_429_and_others_are_not_affected(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    guesser, buyer = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.20")
    assert _guess(guesser, order, LIMIT) == [404] * LIMIT
    refused = guesser.get(_page(order, "one-more-wrong-secret-xxxxxx"))
    assert refused.status_code == 429
    assert refused.content.decode() == ("Trop de liens de commande erronés depuis votre connexion\u00a0: "
                                        "patientez quelques minutes et réessayez.")
    assert 0 < int(refused["Retry-After"]) <= ORDER_LINK_GUESSES.window_seconds
    # the right link too: a 429 against a 404 would still tell right from wrong
    assert guesser.get(_page(order)).status_code == 429
    code, secret = order.code, order.secret
    slug = order.organizer.slug
    assert guesser.get(reverse("shop:order_status", args=[slug, code, secret])).json()["code"] == "rate_limited"
    assert guesser.get(reverse("shop:ticket", args=[slug, code, secret, 1])).status_code == 429
    assert guesser.get(reverse("ticket_wallet", args=[slug, code, secret, 1])).status_code == 429
    pay = guesser.post(reverse("shop:order_pay", args=[slug, code, secret]), {"provider": "sandbox"})
    assert pay.status_code == 429
    # the buyer, from another connection: their right link works, and so does a typo
    assert buyer.get(_page(order)).status_code == 200
    assert buyer.get(reverse("shop:order_status", args=[slug, code, secret])).status_code == 200
    assert buyer.get(_page(order, "a-typo-in-the-link-xxxxxxxxx")).status_code == 404


def test_the_window_ends(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    _guess(guesser, order, LIMIT)
    assert guesser.get(_page(order)).status_code == 429
    with time_machine.travel(clock.now() + timedelta(seconds=ORDER_LINK_GUESSES.window_seconds + 1)):
        assert guesser.get(_page(order)).status_code == 200


def test_right_links_are_never_counted(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    client = Client(REMOTE_ADDR="203.0.113.7")
    status = reverse("shop:order_status", args=[order.organizer.slug, order.code, order.secret])
    assert {client.get(status).status_code for _ in range(LIMIT + 10)} == {200}  # a receipt page polling
    assert _guess(client, order, LIMIT - 1) == [404] * (LIMIT - 1)
    assert client.get(_page(order)).status_code == 200


def test_behind_the_proxy_the_client_is_who_the_proxy_saw(shop: Shop, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    order = order_placed(shop, tickets=1, meals=0)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # the guesser writes a new X-Forwarded-For each time: the proxy appends the address it saw
    for i in range(LIMIT):
        Client(**proxy).get(_page(order, f"wrong-{i:04d}-xxxxxxxxxxxxxxxxxxxxx"),
                            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.7")
    assert Client(**proxy).get(_page(order), HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # every other buyer comes through the same proxy: not affected
    assert Client(**proxy).get(_page(order), HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 200


def test_unknown_order_codes_are_limited_per_api_token(shop: Shop, client: Client,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_selectors, "ORDER_CODE_GUESSES", Limit("api-order-code", per_window=3))
    order = order_placed(shop, tickets=1, meals=0)
    _row, guesser = api_token_create(organizer=shop.organizer, name="a", permissions="orders")
    _row, other = api_token_create(organizer=shop.organizer, name="b", permissions="orders")

    def get(token: str, code: str) -> Any:
        return client.get(f"/api/v1/orders/{code}", headers={"Authorization": f"Bearer {token}"})

    assert [get(guesser, f"ZZZZZ{i}").status_code for i in range(3)] == [404, 404, 404]
    refused = get(guesser, order.code)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    cancel = client.post(f"/api/v1/orders/{order.code}/cancel", headers={"Authorization": f"Bearer {guesser}"})
    assert cancel.status_code == 429
    assert get(other, order.code).status_code == 200
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        assert get(guesser, order.code).status_code == 200
