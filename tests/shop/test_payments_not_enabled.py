"""A new organiser without any payment method, on a server that is not the demo (issue 9, item 3):
the shop says online payments are not activated instead of offering to pay, paid items cannot be
put in the cart nor ordered, free ones still can; the API refuses a paid order to pay online."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from billetterie.api.services import api_token_create
from billetterie.cart.models import Cart, CartPosition
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.models import Price
from billetterie.catalog.selectors import Visibility
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment
from tests.factories import Shop, sandbox_turned_on

pytestmark = pytest.mark.django_db

NOT_ENABLED = "Les paiements en ligne ne sont pas encore activés par"


@pytest.fixture(autouse=True)
def production(settings: Any) -> None:
    settings.SANDBOX_PAYMENTS_DEFAULT = False


def _event_url(shop: Shop) -> str:
    return reverse("shop:event", args=[shop.organizer.slug, shop.event.slug])


def _in_cart(client: Client, shop: Shop, price: Price) -> CartPosition:
    """An item already in the buyer's cart (put there while the organiser still took payments)."""
    cart = Cart.objects.create(organizer=shop.organizer)
    [position] = cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=price, date=shop.date),
                          visibility=Visibility())
    session = client.session
    session[f"cart:{shop.organizer.slug}"] = cart.token  # shop.context's key
    session.save()
    return position


def test_the_event_page_says_payments_are_not_activated(shop: Shop) -> None:
    page = Client().get(_event_url(shop)).content.decode()
    assert NOT_ENABLED in page and "payments-off" in page
    sandbox_turned_on(shop)
    assert NOT_ENABLED not in Client().get(_event_url(shop)).content.decode()


def test_a_paid_item_cannot_be_put_in_the_cart(shop: Shop) -> None:
    response = Client().post(_event_url(shop), {f"qty_{shop.adult.pk}": "1"})
    assert response.status_code == 422
    assert NOT_ENABLED in response.content.decode()
    assert not CartPosition.objects.exists()  # no place held for an order no one could pay


def test_a_free_ticket_can_still_be_ordered(shop: Shop) -> None:
    free = Price.objects.create(product=shop.ticket, name="Invitation", amount_cents=0, position=3)
    client = Client()
    response = client.post(_event_url(shop), {f"qty_{free.pk}": "1"})
    assert response.status_code == 302
    cart_url = reverse("shop:cart", args=[shop.organizer.slug])
    page = client.get(cart_url).content.decode()
    assert "Confirmer" in page and NOT_ENABLED not in page
    position = CartPosition.objects.get()
    response = client.post(cart_url, {"name": "Camille Martin", "email": "camille@example.org", "terms": "on",
                                       f"p{position.pk}_name": "Camille Martin",
                                       f"p{position.pk}_email": "camille@example.org"})
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    assert order.state == OrderState.PAID and order.total_cents == 0 and not order.testmode


def test_the_cart_shows_the_message_instead_of_the_pay_button_and_refuses_to_check_out(shop: Shop) -> None:
    client = Client()
    position = _in_cart(client, shop, shop.adult)
    cart_url = reverse("shop:cart", args=[shop.organizer.slug])
    page = client.get(cart_url).content.decode()
    assert "Entrée" in page  # the cart is the buyer's
    assert NOT_ENABLED in page and "Revoir et payer" not in page
    assert "Don à" not in page  # a donation no method could take is not offered
    form = {"name": "Camille Martin", "email": "camille@example.org", "terms": "on",
            f"p{position.pk}_name": "Camille Martin", f"p{position.pk}_email": "camille@example.org"}
    response = client.post(cart_url, form)
    assert response.status_code == 422
    assert NOT_ENABLED in response.content.decode()
    assert client.post(cart_url, {**form, "provider": "sandbox"}).status_code == 400  # not a method offered
    assert not Order.objects.exists() and not Payment.objects.exists()


def test_an_unpaid_orders_page_says_why_it_cannot_be_paid(shop: Shop, settings: Any) -> None:
    from tests.factories import order_placed

    settings.SANDBOX_PAYMENTS_DEFAULT = True
    order = order_placed(shop, tickets=1, meals=0)  # placed while the server still offered the sandbox
    settings.SANDBOX_PAYMENTS_DEFAULT = False
    page = Client().get(reverse("shop:order", args=[shop.organizer.slug, order.code, order.secret])).content.decode()
    assert NOT_ENABLED in page and 'id="pay-button"' not in page


def _api_post(shop: Shop, body: dict[str, Any]) -> Any:
    _row, token = api_token_create(organizer=shop.organizer, name="caisse", permissions="read,orders")
    return Client().post("/api/v1/orders", body, content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})


def _api_body(shop: Shop, price: Price, **extra: Any) -> dict[str, Any]:
    return {"email": "buyer@example.org", "name": "Buyer", **extra, "lines": [
        {"product_id": shop.ticket.pk, "price_id": price.pk, "date_id": shop.date.pk,
         "attendee": {"name": "Person", "email": "p@example.org"}},
    ]}


def test_the_api_refuses_a_paid_order_to_pay_online_with_a_clear_code(shop: Shop) -> None:
    response = _api_post(shop, _api_body(shop, shop.adult))
    assert response.status_code == 422
    assert response.json()["code"] == "payments_not_enabled"
    assert NOT_ENABLED in response.json()["message"]
    assert not Order.objects.exists()  # nothing created, no place held


def test_the_api_still_takes_free_orders_and_box_office_sales(shop: Shop) -> None:
    free = Price.objects.create(product=shop.ticket, name="Invitation", amount_cents=0, position=3)
    response = _api_post(shop, _api_body(shop, free))
    assert response.status_code == 201 and response.json()["state"] == "paid"
    response = _api_post(shop, _api_body(shop, shop.adult, payment={"method": "cash", "reference": "caisse 1"}))
    assert response.status_code == 201 and response.json()["state"] == "paid"
    assert not Order.objects.filter(testmode=True).exists()  # box office money is real


def test_the_api_takes_a_paid_order_once_a_method_is_offered_on_it(shop: Shop) -> None:
    sandbox_turned_on(shop)  # on the web and the API
    response = _api_post(shop, _api_body(shop, shop.adult))
    assert response.status_code == 201 and response.json()["state"] == "pending"
