"""A NUL character anywhere in a request is a 400 in the reader's language, never a 500:
PostgreSQL's text cannot hold one, and a URL part, a query parameter, a header or a posted
field reaches the database from many views (core/middleware.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billetterie.api.fastlane import FastLaneWSGIHandler
from billetterie.api.services import api_token_create
from billetterie.checkin.models import Scan
from billetterie.orders.models import Order
from tests.api.test_fastlane import call
from tests.factories import Shop, door, order_paid, tickets_issued

pytestmark = pytest.mark.django_db


def _token(shop: Shop, permissions: str) -> dict[str, str]:
    _row, token = api_token_create(organizer=shop.organizer, name="t", permissions=permissions)
    return {"Authorization": f"Bearer {token}"}


def test_shop_pages_answer_400_in_french(shop: Shop) -> None:
    order = order_paid(shop, tickets=1, meals=0)
    base = f"/{shop.organizer.slug}/order/{order.code}"
    for url in (f"{base}%00/{order.secret}/", f"{base}/{order.secret}%00/status.json",
                f"/{shop.organizer.slug}/e/jip/preview/%00/", "/payments/back/%00/", "/sandbox-psp/pay/%00/",
                f"/{shop.organizer.slug}/e/jip/?q=a%00"):
        response = Client(HTTP_ACCEPT_LANGUAGE="fr").get(url)
        assert response.status_code == 400, url
        assert response.content.decode() == "La requête contient un caractère interdit (NUL)."


def test_a_posted_form_field_with_nul_is_400(shop: Shop) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/payments/notify/sandbox/{shop.organizer.slug}/", "reference=B-1%00&signature=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.content.decode() == "The request contains a forbidden character (NUL)."


@pytest.mark.parametrize("where", ["body", "query", "path", "header"])
def test_api_answers_400_with_its_error_shape(shop: Shop, where: str) -> None:
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    headers = _token(shop, "checkin")
    client = Client()
    base = f"/api/v1/checkin/lists/{checkin_list.pk}"
    if where == "body":
        response = client.post(base + "/redeem", {"text": text, "device_id": "porte\x00"},
                               content_type="application/json", headers=headers)
    elif where == "query":
        response = client.get(base + "/search?q=Dur%00and", headers=headers)
    elif where == "path":
        response = client.get("/api/v1/orders/AB%00CD", headers=_token(shop, "orders"))
    else:
        response = client.post("/api/v1/orders", {"email": "a@example.org", "name": "A", "lines": []},
                               content_type="application/json", headers={**_token(shop, "orders"),
                                                                         "Idempotency-Key": "k\x00"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "La requête contient un caractère interdit (NUL)."}
    assert not Scan.objects.exists() and not Order.objects.filter(name="A").exists()


def test_the_scanners_fast_lane_leaves_a_nul_to_the_guard(shop: Shop) -> None:
    app = FastLaneWSGIHandler()
    checkin_list, _scope = door(shop)
    [(_line, text)] = tickets_issued(shop)
    token = _token(shop, "checkin")["Authorization"].split()[1]
    url = f"/api/v1/checkin/lists/{checkin_list.pk}/redeem"
    assert call(app, url, {"text": "nope", "device_id": "d"}, token)[0] == 200  # the token is remembered now
    answer: Any = call(app, url, {"text": text, "device_id": "d\x00"}, token)
    assert answer[0] == 400 and answer[2]["code"] == "invalid"
    assert not Scan.objects.filter(result="ok").exists()
