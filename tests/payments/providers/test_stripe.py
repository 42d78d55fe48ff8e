"""Stripe against localstripe on loopback, and self-signed webhook payloads."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import stripe
from django.test import Client

from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice, RefundState
from billetterie.payments.providers.base import EmbeddedForm, PaymentUrls
from billetterie.payments.services import payment_client_step, payment_return, payment_start, refund_create
from tests.factories import Shop, order_placed
from tests.payments.fakes import STRIPE_CREDENTIALS, method_setup

pytestmark = pytest.mark.django_db
URL = "/payments/notify/stripe/assoc/"


@pytest.fixture
def stripe_shop(shop: Shop, stripe_ready: str) -> Shop:
    method_setup(shop.organizer, "stripe", STRIPE_CREDENTIALS)
    return shop


def _start(order: Order) -> tuple[Payment, EmbeddedForm]:
    action = payment_start(order=order, provider_id="stripe",
                           urls=PaymentUrls(f"http://testserver/assoc/order/{order.code}/", "http://testserver" + URL))
    assert isinstance(action, EmbeddedForm)
    return order.payments.get(state=PaymentState.CREATED), action


def _card(base: str, number: str) -> str:
    """What stripe.js does in the browser: tokenise the card with the publishable key."""
    response = httpx.post(f"{base}/v1/tokens", data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123",
        "key": STRIPE_CREDENTIALS["publishable_key"],
    })
    return str(response.json()["card"]["id"])


def _event(payment: Payment, kind: str = "payment_intent.succeeded", *, livemode: bool = False,
           amount: int | None = None, currency: str = "eur") -> bytes:
    amount = payment.amount_cents if amount is None else amount
    return json.dumps({
        "id": "evt_" + uuid.uuid4().hex[:14], "object": "event", "type": kind, "livemode": livemode,
        "data": {"object": {"id": payment.psp_reference, "object": "payment_intent", "amount": amount,
                            "amount_received": amount, "currency": currency, "status": "succeeded",
                            "metadata": {"payment_reference": payment.reference}}},
    }).encode()


def _post(body: bytes, secret: str | None = STRIPE_CREDENTIALS["webhook_secret"]) -> int:
    headers = {}
    if secret is not None:
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(body.decode(), secret)
    return Client().post(URL, data=body, content_type="application/json", headers=headers).status_code


def test_payment_intent_for_the_exact_amount(stripe_shop: Shop, stripe_ready: str) -> None:
    order = order_placed(stripe_shop, tickets=3, meals=0)
    payment, action = _start(order)
    assert payment.psp_reference.startswith("pi_")
    assert str(action.context["client_secret"]).startswith(payment.psp_reference)
    assert action.context["stripe_js"] == f"{stripe_ready}/js.stripe.com/v3/"
    intent = httpx.get(f"{stripe_ready}/v1/payment_intents/{payment.psp_reference}",
                       auth=(STRIPE_CREDENTIALS["secret_key"], "")).json()
    assert intent["amount"] == 4500 and intent["currency"] == "eur"
    assert intent["metadata"]["payment_reference"] == payment.reference


def test_card_confirmed_through_our_page_pays_the_order(stripe_shop: Shop, stripe_ready: str) -> None:
    order = order_placed(stripe_shop, tickets=1, meals=0)
    payment, _action = _start(order)
    answer = payment_client_step(provider_id="stripe", reference=payment.reference,
                                 data={"payment_method": _card(stripe_ready, "4242424242424242")})
    assert answer["status"] == "succeeded"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED and order.state == OrderState.PAID


def test_3d_secure_then_the_return_asks_stripe(stripe_shop: Shop, stripe_ready: str) -> None:
    order = order_placed(stripe_shop, tickets=1, meals=0)
    payment, action = _start(order)
    answer = payment_client_step(provider_id="stripe", reference=payment.reference,
                                 data={"payment_method": _card(stripe_ready, "4000000000003220")})
    assert answer["status"] == "requires_action"
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED  # nothing paid before the authentication
    # the buyer authenticates in stripe.js (publishable key only)
    httpx.post(f"{stripe_ready}/v1/payment_intents/{payment.psp_reference}/_authenticate?success=true",
               json={"key": STRIPE_CREDENTIALS["publishable_key"], "client_secret": answer["client_secret"]})
    token = str(action.context["return_url"]).split("/payments/return/stripe/")[1].rstrip("/")
    next_url = payment_return(provider_id="stripe", token=token)
    assert next_url.endswith(f"/assoc/order/{order.code}/")
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED


def test_a_declined_card_pays_nothing(stripe_shop: Shop, stripe_ready: str) -> None:
    order = order_placed(stripe_shop, tickets=1, meals=0)
    payment, _action = _start(order)
    answer = payment_client_step(provider_id="stripe", reference=payment.reference,
                                 data={"payment_method": _card(stripe_ready, "4000000000000341")})
    assert answer["status"] == "declined"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_browser_return_alone_marks_nothing_paid(stripe_shop: Shop) -> None:
    order = order_placed(stripe_shop, tickets=1, meals=0)
    _payment, action = _start(order)
    path = str(action.context["return_url"]).replace("http://testserver", "")
    response = Client().get(path + "?payment_intent=pi_x&redirect_status=succeeded")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert Client().get("/payments/return/stripe/forged-token/").status_code == 400


def test_signed_webhook_accepted_once(stripe_shop: Shop) -> None:
    payment, _action = _start(order_placed(stripe_shop, tickets=1, meals=0))
    body = _event(payment)
    assert _post(body) == 200
    assert _post(body) == 200  # the same event again: acknowledged, ignored
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED and payment.order.state == OrderState.PAID
    assert ProviderNotice.objects.filter(provider="stripe").count() == 1


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_secret", "test_event_in_live", "stale"])
def test_bad_webhooks_change_nothing(stripe_shop: Shop, case: str) -> None:
    payment, _action = _start(order_placed(stripe_shop, tickets=1, meals=0))
    body = _event(payment)
    secret: str | None = STRIPE_CREDENTIALS["webhook_secret"]
    headers = None
    if case == "unsigned":
        secret = None
    elif case == "wrong_secret":
        secret = "whsec_another"
    elif case == "test_event_in_live":
        method_setup(stripe_shop.organizer, "stripe", {**STRIPE_CREDENTIALS, "secret_key": "sk_live_x"}, mode="live")
    if case == "forged":
        headers = {"Stripe-Signature": "t=1700000000,v1=" + "0" * 64}
    elif case == "stale":
        headers = {"Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
            body.decode(), STRIPE_CREDENTIALS["webhook_secret"], timestamp=1_000_000_000)}
    if headers is not None:
        status = Client().post(URL, data=body, content_type="application/json", headers=headers).status_code
    elif case == "tampered":
        signature = stripe.WebhookSignature.generate_signature_header(body.decode(), secret or "")
        body = body.replace(b'"amount": ', b'"amount":  ')
        status = Client().post(URL, data=body, content_type="application/json",
                               headers={"Stripe-Signature": signature}).status_code
    else:
        status = _post(body, secret)
    assert status == 400
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED and payment.order.state == OrderState.PENDING
    assert not ProviderNotice.objects.exists()


def test_wrong_amount_or_currency_is_flagged_not_paid(stripe_shop: Shop) -> None:
    payment, _action = _start(order_placed(stripe_shop, tickets=1, meals=0))
    assert _post(_event(payment, amount=payment.amount_cents - 1)) == 200
    assert _post(_event(payment, currency="usd")) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED and payment.needs_attention
    assert payment.order.state == OrderState.PENDING


def test_full_and_partial_refunds(stripe_shop: Shop, stripe_ready: str) -> None:
    order = order_placed(stripe_shop, tickets=2, meals=0)
    payment, _action = _start(order)
    payment_client_step(provider_id="stripe", reference=payment.reference,
                        data={"payment_method": _card(stripe_ready, "4242424242424242")})
    payment.refresh_from_db()
    first = refund_create(payment=payment, amount_cents=1000)
    assert first.state == RefundState.DONE and first.psp_reference.startswith("re_")
    from billetterie.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        refund_create(payment=payment, amount_cents=2001)  # more than what is left
    rest = refund_create(payment=payment, amount_cents=2000)
    assert rest.state == RefundState.DONE
    refunds = httpx.get(f"{stripe_ready}/v1/refunds", params={"payment_intent": payment.psp_reference},
                        auth=(STRIPE_CREDENTIALS["secret_key"], "")).json()["data"]
    assert sorted(r["amount"] for r in refunds) == [1000, 2000]


def test_a_test_key_never_reaches_stripe_in_live_mode(stripe_shop: Shop) -> None:
    method_setup(stripe_shop.organizer, "stripe", STRIPE_CREDENTIALS, mode="live")  # live mode, sk_test_ key
    from billetterie.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _start(order_placed(stripe_shop, tickets=1, meals=0))
