"""The API refuses e-mail addresses no mail can reach, as the shop does (issue 9, item 7).

Before: POST /api/v1/orders with "a@" (or an address carrying CR/LF) answered 201 paid, then the
confirmation email failed 8 times and gave up. The address is checked in the schema with the
shop's rule (core.validation.email_is_valid): a 422 in the API's error shape whose details name
the field, and nothing is created."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from billetterie.catalog.models import Quota
from billetterie.notifications.models import OutboxMessage
from billetterie.orders.models import Order
from billetterie.payments.models import Payment
from tests.api.conftest import MakeToken, auth
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = ["a@", "a@b", "x@example.org\r\nBcc: y@example.org", "x@example.org\nBcc: y@example.org",
               "a b@example.org", "@example.org", "a@@example.org", '"a\r\n"@example.org', "a@exa\nmple.org"]


def _body(shop: Shop, *, email: str = "buyer@example.org", attendee_email: str = "p0@example.org") -> dict[str, Any]:
    """A box-office sale of one ticket, paid in cash."""
    return {
        "email": email, "name": "Buyer", "payment": {"method": "cash", "reference": "till 1"},
        "lines": [{"product_id": shop.ticket.pk, "price_id": shop.adult.pk, "date_id": shop.date.pk,
                   "attendee": {"name": "Person 0", "email": attendee_email}}],
    }


def _post(shop: Shop, token: str, body: dict[str, Any]) -> Any:
    return Client().post("/api/v1/orders", body, content_type="application/json", headers=auth(token))


def _nothing_created(shop: Shop) -> None:
    assert not Order.objects.exists() and not Payment.objects.exists() and not OutboxMessage.objects.exists()
    assert Quota.objects.get(date=shop.date).used == 0
    assert mail.outbox == []


def _invalid_field(response: Any) -> list[Any]:
    """The 422's shape: {"code": "invalid", "message": …, "details": [{"loc": […], "type": …}]}."""
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["code"] == "invalid" and data["message"]
    assert [error["type"] for error in data["details"]] == ["email_invalid"]
    return list(data["details"][0]["loc"])


@pytest.mark.parametrize("email", UNREACHABLE)
def test_a_buyer_address_no_mail_can_reach_is_a_422_naming_the_field(shop: Shop, make_token: MakeToken,
                                                                      email: str) -> None:
    response = _post(shop, make_token(), _body(shop, email=email))
    assert _invalid_field(response)[-1] == "email"
    assert response.json()["details"][0]["msg"] == "Saisissez une adresse e-mail valide."
    _nothing_created(shop)


@pytest.mark.parametrize("email", UNREACHABLE)
def test_an_attendee_address_no_mail_can_reach_is_a_422_naming_the_field(shop: Shop, make_token: MakeToken,
                                                                          email: str) -> None:
    response = _post(shop, make_token(), _body(shop, attendee_email=email))
    assert _invalid_field(response)[-4:] == ["lines", 0, "attendee", "email"]
    _nothing_created(shop)


def test_a_reachable_address_is_still_sold_to(shop: Shop, make_token: MakeToken) -> None:
    response = _post(shop, make_token(), _body(shop, email="  Camille.Martin+jip@example.org ",
                                               attendee_email="p0@sous-domaine.example.fr"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "paid" and data["email"] == "Camille.Martin+jip@example.org"
    assert data["lines"][0]["attendee_email"] == "p0@sous-domaine.example.fr"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Camille.Martin+jip@example.org"]


def test_an_attendee_may_still_be_given_without_an_address_where_none_is_needed(shop: Shop,
                                                                                 make_token: MakeToken) -> None:
    """The schema lets an empty attendee address through: the order's own rules decide (a ticket
    needs one: 422 person_required, as before)."""
    response = _post(shop, make_token(), _body(shop, attendee_email=""))
    assert response.status_code == 422 and response.json()["code"] == "person_required"
    _nothing_created(shop)
