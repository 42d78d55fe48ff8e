"""Placing, paying and cancelling orders through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from billetterie.catalog.models import Price, Quota
from billetterie.orders.models import Order, OrderState
from tests.api.conftest import MakeToken, auth
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def _body(shop: Shop, *, tickets: int = 1, meal: bool = False, paid: bool = False, **extra: Any) -> dict[str, Any]:
    lines: list[dict[str, Any]] = [
        {"product_id": shop.ticket.pk, "price_id": shop.adult.pk, "date_id": shop.date.pk,
         "attendee": {"name": f"Person {i}", "email": f"p{i}@example.org"}}
        for i in range(tickets)
    ]
    if meal:
        lines.append({"product_id": shop.meal.pk, "price_id": shop.meal_price.pk})
    body: dict[str, Any] = {"email": "buyer@example.org", "name": "Buyer", "lines": lines, **extra}
    if paid:
        body["payment"] = {"method": "cash", "reference": "till 1"}
    return body


def _post(client: Client, token: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = auth(token)
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/orders", body, content_type="application/json", headers=headers)


def test_create_pending_order(shop: Shop, make_token: MakeToken) -> None:
    response = _post(Client(), make_token(), _body(shop, tickets=2, meal=True))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "pending" and data["total_cents"] == 2 * 1500 + 1200
    assert [line["attendee_name"] for line in data["lines"]] == ["Person 0", "Person 1", ""]
    assert Quota.objects.get(date=shop.date).used == 2
    assert Order.objects.get().channel == "api"


def test_create_paid_order_like_a_box_office(shop: Shop, make_token: MakeToken) -> None:
    response = _post(Client(), make_token(), _body(shop, paid=True))
    data = response.json()
    assert data["state"] == "paid"
    assert data["payments"][0]["provider"] == "cash" and data["payments"][0]["state"] == "confirmed"
    assert len(mail.outbox) == 1


def test_send_email_false(shop: Shop, make_token: MakeToken) -> None:
    _post(Client(), make_token(), _body(shop, paid=True, send_email=False))
    assert Order.objects.get().state == OrderState.PAID
    assert mail.outbox == []


def test_idempotent_replay_and_reused_key(shop: Shop, make_token: MakeToken) -> None:
    client, token = Client(), make_token()
    first = _post(client, token, _body(shop, tickets=2), key="k-1")
    again = _post(client, token, _body(shop, tickets=2), key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert Order.objects.count() == 1 and Quota.objects.get(date=shop.date).used == 2
    other = _post(client, token, _body(shop, tickets=3), key="k-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_sold_out_is_409_with_the_lines_that_cannot_be_served(shop: Shop, make_token: MakeToken) -> None:
    Quota.objects.filter(pk=shop.meal_quota.pk).update(size=0)
    response = _post(Client(), make_token(), _body(shop, tickets=1, meal=True))
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "sold_out"
    assert data["details"]["lines"] == [{"line": 1, "code": "sold_out", "available": 0}]
    assert Quota.objects.get(date=shop.date).used == 0 and not Order.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lines": [{"product_id": 999999, "price_id": 1}]}, "product_unknown"),
        ({"email": "not-an-email"}, "invalid"),  # the schema checks the address (test_order_emails.py)
        ({"lines": []}, "invalid"),
        ({"lines": [{"product_id": 0, "price_id": "x"}]}, "invalid"),
        # ids and amounts no row can hold: refused by the schema, not by the database driver
        ({"lines": [{"product_id": 2**63, "price_id": 1, "date_id": 1}]}, "invalid"),
        ({"lines": [{"product_id": 1, "price_id": 1, "date_id": -1}]}, "invalid"),
        ({"lines": [{"product_id": 1, "amount_cents": 2**31}]}, "invalid"),
    ],
)
def test_bad_requests_are_4xx_with_a_code(shop: Shop, make_token: MakeToken, change: dict[str, Any],
                                          code: str) -> None:
    response = _post(Client(), make_token(), {**_body(shop), **change})
    assert 400 <= response.status_code < 500 and response.json()["code"] == code
    assert not Order.objects.exists()


def test_an_order_whose_total_no_row_can_hold_is_refused(shop: Shop, make_token: MakeToken) -> None:
    # each price fits its column, their sum did not: PostgreSQL refused the order's total with a 500
    Price.objects.filter(pk=shop.adult.pk).update(amount_cents=1_500_000_000)  # 15 million euros
    response = _post(Client(), make_token(), _body(shop, tickets=2))
    assert response.status_code == 422 and response.json()["code"] == "order_too_large"
    assert "trop" in response.json()["message"]
    assert not Order.objects.exists() and sum(q.used for q in Quota.objects.all()) == 0  # no seat kept


def test_missing_attendee_is_refused(shop: Shop, make_token: MakeToken) -> None:
    body = _body(shop)
    del body["lines"][0]["attendee"]
    response = _post(Client(), make_token(), body)
    assert response.status_code == 422 and response.json()["code"] == "person_required"


def test_other_organizers_products_are_unknown(shop: Shop, make_token: MakeToken) -> None:
    from tests.factories import shop_create

    other = shop_create(slug="other")
    response = _post(Client(), make_token(), _body(other))
    assert response.status_code == 422 and response.json()["code"] == "product_unknown"


def test_read_token_cannot_write(shop: Shop, make_token: MakeToken) -> None:
    assert _post(Client(), make_token("read"), _body(shop)).status_code == 403


def test_record_payment_then_cancel_refused_and_cancel_pending(shop: Shop, make_token: MakeToken) -> None:
    client, token = Client(), make_token()
    code = _post(client, token, _body(shop, tickets=2)).json()["code"]
    url = f"/api/v1/orders/{code}/payments"
    part = client.post(url, {"method": "cheque", "amount_cents": 1000}, content_type="application/json",
                       headers=auth(token))
    assert part.status_code == 201
    too_much = client.post(url, {"method": "cash", "amount_cents": 5000}, content_type="application/json",
                           headers=auth(token))
    assert too_much.status_code == 422 and too_much.json()["code"] == "amount_invalid"
    absurd = client.post(url, {"method": "cash", "amount_cents": 10**30}, content_type="application/json",
                         headers=auth(token))
    assert absurd.status_code == 422 and absurd.json()["code"] == "invalid"
    client.post(url, {"method": "cash", "amount_cents": 2000}, content_type="application/json", headers=auth(token))
    assert Order.objects.get(code=code).state == OrderState.PAID
    paid_cancel = client.post(f"/api/v1/orders/{code}/cancel", headers=auth(token))
    assert paid_cancel.status_code == 422
    code2 = _post(client, token, _body(shop)).json()["code"]
    cancelled = client.post(f"/api/v1/orders/{code2}/cancel", headers=auth(token))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert Quota.objects.get(date=shop.date).used == 2


def test_openapi_declares_every_error(db: None) -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    responses = spec["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(responses)


def test_recording_a_payment_twice_with_one_key_records_it_once(shop: Shop, make_token: MakeToken) -> None:
    client, token = Client(), make_token()
    code = _post(client, token, _body(shop, tickets=2)).json()["code"]
    url = f"/api/v1/orders/{code}/payments"
    headers = {**auth(token), "Idempotency-Key": "till-1-42"}
    first = client.post(url, {"method": "cash", "amount_cents": 2000}, content_type="application/json",
                        headers=headers)
    again = client.post(url, {"method": "cash", "amount_cents": 2000}, content_type="application/json",
                        headers=headers)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = client.post(url, {"method": "cash", "amount_cents": 1000}, content_type="application/json",
                        headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    order = Order.objects.get(code=code)
    assert order.payments.count() == 1 and order.state == OrderState.PENDING
