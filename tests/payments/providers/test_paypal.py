"""PayPal against the local fake: create, approve, capture on return, verified webhooks, refunds."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from django.test import Client

from billetterie.core.errors import InvalidInput
from billetterie.core.money import InvalidAmount
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice, RefundState
from billetterie.payments.providers.base import PaymentUrls, Redirect
from billetterie.payments.providers.paypal import cents_to_value, value_to_cents
from billetterie.payments.services import payment_return, payment_start, refund_create, refund_row_create
from billetterie_fakes.servers.paypal import sign_event
from tests.factories import Shop, order_placed
from tests.payments.fakes import PAYPAL_CREDENTIALS, method_setup

pytestmark = pytest.mark.django_db
URL = "/payments/notify/paypal/assoc/"


@pytest.fixture
def paypal_shop(shop: Shop, paypal_ready: str) -> Shop:
    method_setup(shop.organizer, "paypal", PAYPAL_CREDENTIALS)
    return shop


def _start(order: Order) -> tuple[Payment, str]:
    action = payment_start(order=order, provider_id="paypal",
                           urls=PaymentUrls(f"http://testserver/assoc/order/{order.code}/", "http://testserver" + URL))
    assert isinstance(action, Redirect)
    return order.payments.get(state=PaymentState.CREATED), action.url


def _approve(approve_url: str, decision: str = "approve") -> str:
    """The buyer on PayPal's page; returns where PayPal sends them back."""
    base = approve_url.split("/checkoutnow")[0]
    token = approve_url.split("token=")[1]
    response = httpx.post(f"{base}/checkoutnow/decide", data={"token": token, "decision": decision})
    assert response.status_code == 303
    return response.headers["Location"]


def _come_back(location: str) -> str:
    token = location.split("/payments/return/paypal/")[1].split("/")[0]
    return payment_return(provider_id="paypal", token=token)


def _paid(shop: Shop, quantity: int = 1) -> Payment:
    payment, url = _start(order_placed(shop, tickets=quantity, meals=0))
    _come_back(_approve(url))
    payment.refresh_from_db()
    return payment


@pytest.mark.parametrize(("cents", "value"), [(1, "0.01"), (99, "0.99"), (100, "1.00"), (1500, "15.00"),
                                              (123456789, "1234567.89")])
def test_amounts_convert_exactly(cents: int, value: str) -> None:
    assert cents_to_value(cents) == value
    assert value_to_cents(value) == cents


@pytest.mark.parametrize("bad", ["15.001", "1e3", "-1.00", "", "15,00", 15.0, None, "NaN"])
def test_odd_amounts_are_refused(bad: object) -> None:
    with pytest.raises(InvalidAmount):
        value_to_cents(bad)


def test_approve_then_return_captures_and_pays(paypal_shop: Shop) -> None:
    order = order_placed(paypal_shop, tickets=2, meals=0)
    payment, url = _start(order)
    assert payment.psp_reference and "checkoutnow?token=" in url
    location = _approve(url)
    assert "PayerID=" in location
    # the browser return, however it looks, is only a reason to ask PayPal
    assert _come_back(location).endswith(f"/assoc/order/{order.code}/")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED and order.state == OrderState.PAID
    _come_back(location)  # back again: nothing more happens
    assert order.payments.filter(state=PaymentState.CONFIRMED).count() == 1


def test_return_without_approval_pays_nothing(paypal_shop: Shop) -> None:
    order = order_placed(paypal_shop, tickets=1, meals=0)
    payment, url = _start(order)
    _come_back(_approve(url, "cancel"))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.CREATED and order.state == OrderState.PENDING


def _capture_event(payment: Payment, *, amount: str = "", currency: str = "EUR", sandbox: bool = True) -> dict:
    host = "https://api.sandbox.paypal.com" if sandbox else "https://api.paypal.com"
    return {
        "id": "WH-" + uuid.uuid4().hex[:16], "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource_type": "capture",
        "resource": {"id": "CAP" + uuid.uuid4().hex[:10], "status": "COMPLETED", "custom_id": payment.reference,
                     "amount": {"currency_code": currency, "value": amount or cents_to_value(payment.amount_cents)}},
        "links": [{"href": f"{host}/v1/notifications/webhooks-events/x", "rel": "self"}],
    }


def _post(event: dict, headers: dict[str, str] | None = None, body: bytes | None = None) -> int:
    if headers is None:
        headers = sign_event(event, webhook_id=PAYPAL_CREDENTIALS["webhook_id"])
    raw = body if body is not None else json.dumps(event).encode()
    return Client().post(URL, data=raw, content_type="application/json", headers=headers).status_code


def test_verified_webhook_accepted_once(paypal_shop: Shop) -> None:
    payment, _url = _start(order_placed(paypal_shop, tickets=1, meals=0))
    event = _capture_event(payment)
    headers = sign_event(event, webhook_id=PAYPAL_CREDENTIALS["webhook_id"])
    assert _post(event, headers) == 200
    assert _post(event, headers) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED and payment.order.state == OrderState.PAID
    assert ProviderNotice.objects.filter(provider="paypal").count() == 1


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_webhook", "sandbox_event_in_live"])
def test_bad_webhooks_change_nothing(paypal_shop: Shop, case: str) -> None:
    payment, _url = _start(order_placed(paypal_shop, tickets=1, meals=0))
    event = _capture_event(payment)
    headers = sign_event(event, webhook_id=PAYPAL_CREDENTIALS["webhook_id"])
    body = None
    if case == "unsigned":
        headers = {}
    elif case == "forged":
        headers = sign_event(event, webhook_id=PAYPAL_CREDENTIALS["webhook_id"], key=b"not paypal's key")
    elif case == "tampered":
        event["resource"]["amount"]["value"] = "0.01"
        body = json.dumps(event).encode()
    elif case == "wrong_webhook":
        headers = sign_event(event, webhook_id="WH-SOMEONE-ELSE")
    elif case == "sandbox_event_in_live":
        method_setup(paypal_shop.organizer, "paypal", PAYPAL_CREDENTIALS, mode="live")  # refused before any call
    assert _post(event, headers, body) == 400
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED and payment.order.state == OrderState.PENDING
    assert not ProviderNotice.objects.exists()


def test_wrong_amount_is_flagged_not_paid(paypal_shop: Shop) -> None:
    payment, _url = _start(order_placed(paypal_shop, tickets=1, meals=0))
    assert _post(_capture_event(payment, amount="1.00")) == 200
    assert _post(_capture_event(payment, currency="USD")) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED and payment.needs_attention


def test_full_and_partial_refunds(paypal_shop: Shop) -> None:
    payment = _paid(paypal_shop, quantity=2)
    assert payment.state == PaymentState.CONFIRMED
    part = refund_create(payment=payment, amount_cents=550)
    assert part.state == RefundState.DONE and part.psp_reference
    with pytest.raises(InvalidInput):
        refund_create(payment=payment, amount_cents=3000 - 550 + 1)
    rest = refund_create(payment=payment, amount_cents=3000 - 550)
    assert rest.state == RefundState.DONE


def test_a_refund_notice_closes_the_refund_named_by_its_invoice_id(paypal_shop: Shop) -> None:
    # refund() sends our refund reference as the PayPal refund's invoice_id; two refunds of one
    # amount left open (the answers were lost): the notice closes the one it names, not the first
    payment = _paid(paypal_shop, quantity=2)
    first, second = (refund_row_create(payment=payment, amount_cents=550) for _ in range(2))
    event = {
        "id": "WH-" + uuid.uuid4().hex[:16], "event_type": "PAYMENT.CAPTURE.REFUNDED", "resource_type": "refund",
        "resource": {"id": "REF" + uuid.uuid4().hex[:10], "status": "COMPLETED", "custom_id": payment.reference,
                     "invoice_id": second.reference, "amount": {"currency_code": "EUR", "value": "5.50"}},
        "links": [{"href": "https://api.sandbox.paypal.com/v1/notifications/webhooks-events/x", "rel": "self"}],
    }
    assert _post(event) == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == RefundState.CREATED and first.psp_reference == ""
    assert second.state == RefundState.DONE and second.psp_reference == event["resource"]["id"]
    payment.refresh_from_db()
    assert payment.needs_attention == ""
