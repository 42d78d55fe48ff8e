"""Every notice endpoint answers a body it cannot read with a 400, before anything is applied
(issue 9, item 5: a deeply nested JSON body was an unauthenticated 500 on PayPal's endpoint).

Each registered provider is configured (sandbox credentials) and sent bodies no payment service
writes, with the headers its protocol looks for so the body is really read: nested JSON, invalid
UTF-8, a JSON value that is not an object, an empty body, a body too large, forms with odd fields.
Where the test can sign (the sandbox, Stripe), the odd bodies are also sent correctly signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers.notice_body import json_nesting_ok, json_object
from billetterie.payments.providers.registry import PROVIDERS
from billetterie.payments.providers.sandbox import SIGNATURE_HEADER, notice_sign
from billetterie_fakes.servers import free_port
from billetterie_fakes.servers.paypal import sign_event
from tests.factories import Shop, order_placed
from tests.payments.fakes import PAYPAL_CREDENTIALS, STRIPE_CREDENTIALS, method_setup

pytestmark = pytest.mark.django_db

LYRA = {"site_id": "47163125", "key": "TestKeyOfTheShop1234"}
SIPS = {"merchant_id": "211000021310001", "secret_key": "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"}
# every registered provider with sandbox credentials that let a notice be read
CREDENTIALS: dict[str, dict[str, str]] = {
    "sandbox": {}, "stripe": STRIPE_CREDENTIALS, "paypal": PAYPAL_CREDENTIALS,
    "systempay": LYRA, "payzen": LYRA, "sogecommerce": LYRA, "scellius": LYRA, "clicandpay": LYRA,
    "mercanet": SIPS, "sogenactif": SIPS, "sherlocks": SIPS,
    "paybox": {"site": "1999888", "rang": "32", "identifiant": "107904111", "hmac_key": "0123456789ABCDEF" * 8},
    "ogone": {"pspid": "assoc-test", "sha_in": "Sha-In-Passphrase-1", "sha_out": "Sha-Out-Passphrase-2"},
    "monetico": {"tpe": "1234567", "key": "0123456789ABCDEF0123456789ABCDEF01234567", "societe": "assoc"},
    "payfip": {"numcli": "123456"},  # its service URL is set per test: a closed port, never reached
    "transfer": {"holder": "Assoc", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"},
    "invoice": {},
}
DEEP = 100_000
BODIES: dict[str, bytes] = {
    "nested_arrays": b"[" * DEEP + b"]" * DEEP,
    "nested_objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "nested_unclosed": b"[" * DEEP,
    "nested_in_an_object": b'{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":' + b"[" * DEEP
                           + b"]" * DEEP + b"}",
    "invalid_utf8": b'{"id": "\xff\xfe\x80"}',
    "invalid_utf8_only": b"\xff\xfe\x80\x81",
    "json_array": b"[1, 2, 3]",
    "json_string": b'"payment_intent.succeeded"',
    "json_number": b"1e999999",
    "json_null": b"null",
    "empty": b"",
    "large": b'{"id": "' + b"a" * 1_500_000 + b'"}',
    # shaped as a sandbox PayPal event, 300 kB: refused before it is sent to PayPal's verify API
    "large_event": b'{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"custom_id":"'
                   + b"a" * 300_000 + b'"},"links":[{"href":"https://api.sandbox.paypal.com/v1/x"}]}',
    "huge_integer": b'{"id": ' + b"9" * 5000 + b"}",
    "form_nested": b"signature=x&Seal=x&Data=" + b"%5B" * 5000 + b"&MAC=x&SHASIGN=x&idop=" + b"[" * 5000,
    "form_invalid_utf8": b"signature=%ff%fe&vads_ctx_mode=TEST&vads_site_id=47163125&vads_result=00"
                         b"&Seal=%ff&Data=merchantId%3D%ff&MAC=%ff&TPE=1234567&SHASIGN=%ff&STATUS=9&idop=%ff",
    "form_repeated": b"&".join([b"signature=x&Data=a%3Db&Seal=x&MAC=x"] * 20_000),
}


def _headers(provider_id: str, body: bytes, *, signed: bool) -> dict[str, str]:
    """The headers each protocol looks for; signed (where the test knows the key) or forged."""
    if provider_id == "sandbox":
        return {SIGNATURE_HEADER: notice_sign(body) if signed else "v1=" + "0" * 64}
    if provider_id == "stripe":
        # Stripe's scheme, over the raw bytes (so that a body that is not UTF-8 can be "signed" too)
        timestamp = int(time.time())
        mac = hmac.new(STRIPE_CREDENTIALS["webhook_secret"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return {"Stripe-Signature": f"t={timestamp},v1={mac.hexdigest() if signed else '0' * 64}"}
    if provider_id == "paypal":
        return sign_event({"id": "WH-1"}, webhook_id=PAYPAL_CREDENTIALS["webhook_id"])
    return {}


def _paypal_never_asked(*args: object, **kwargs: object) -> None:
    raise AssertionError("a body that cannot be a PayPal event was sent to PayPal")


@pytest.fixture
def payment(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Payment:
    """A payment waiting for a notice; PayPal's API must never be asked about these bodies."""
    monkeypatch.setattr("billetterie.payments.providers.paypal.PayPalProvider._call", _paypal_never_asked)
    return Payment.objects.create(order=order_placed(shop, tickets=1, meals=0), provider="sandbox", amount_cents=1500,
                                  state=PaymentState.CREATED)


def _configure(payment: Payment, provider_id: str) -> None:
    """The provider configured for the organiser with sandbox credentials that let a notice be read."""
    credentials = dict(CREDENTIALS[provider_id])
    if provider_id == "payfip":
        credentials["service_url"] = f"http://127.0.0.1:{free_port()}/tpa/services/securite"
    method_setup(payment.order.organizer, provider_id, credentials)


def test_every_provider_is_covered() -> None:
    assert set(CREDENTIALS) == set(PROVIDERS)


def _post(provider_id: str, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    response = Client().post(f"/payments/notify/{provider_id}/assoc/", data=body, content_type=content_type,
                             headers=headers)
    return response.status_code


def _nothing_recorded(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.state == PaymentState.CREATED
    assert not ProviderNotice.objects.exists()
    assert not Payment.objects.exclude(state=PaymentState.CREATED).exists()


@pytest.mark.parametrize("provider_id", sorted(CREDENTIALS))
def test_a_body_no_payment_service_sends_is_a_400(payment: Payment, provider_id: str) -> None:
    _configure(payment, provider_id)
    answers = {
        (name, content_type): _post(provider_id, body, content_type, _headers(provider_id, body, signed=False))
        for name, body in BODIES.items() for content_type in ("application/json", "application/x-www-form-urlencoded")
    }
    assert {key: status for key, status in answers.items() if status != 400} == {}
    _nothing_recorded(payment)


@pytest.mark.parametrize("provider_id", ["sandbox", "stripe"])
def test_a_correctly_signed_body_that_cannot_be_read_is_a_400(payment: Payment, provider_id: str) -> None:
    _configure(payment, provider_id)
    answers = {name: _post(provider_id, body, "application/json", _headers(provider_id, body, signed=True))
               for name, body in BODIES.items()}
    assert {name: status for name, status in answers.items() if status != 400} == {}
    _nothing_recorded(payment)


@pytest.mark.parametrize("provider_id", sorted(CREDENTIALS))
def test_a_body_over_the_notice_limit_is_refused(payment: Payment, settings: object, provider_id: str) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024  # type: ignore[attr-defined]  # our own limit applies
    _configure(payment, provider_id)
    body = b'{"id": "' + b"a" * 3_000_000 + b'"}'
    assert _post(provider_id, body, "application/json", _headers(provider_id, body, signed=True)) == 400
    _nothing_recorded(payment)


def test_a_signed_notice_over_the_limit_is_not_applied(payment: Payment, settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024  # type: ignore[attr-defined]
    _configure(payment, "sandbox")
    body = json.dumps({"notice_id": "N1", "payment": payment.reference, "status": "confirmed",
                       "amount_cents": 1500, "currency": "EUR", "padding": "a" * 2_000_000}).encode()
    assert _post("sandbox", body, "application/json", _headers("sandbox", body, signed=True)) == 400
    _nothing_recorded(payment)


@pytest.mark.parametrize(("text", "ok"), [
    ("[" * 32 + "]" * 32, True),
    ("[" * 33 + "]" * 33, False),
    ('{"a": "' + "[" * 100 + '", "b": [{"c": [1, 2]}, {}]}', True),  # brackets inside strings do not count
    ('{"a": "\\"[[[[", "b": []}', True),  # nor after an escaped quote
    ('{"a": 1}', True),
    ("1", True),
    ("[" * DEEP, False),  # unbalanced: json.loads would recurse into it before refusing it
    ("]]]][[[[", False),
    ("[[]]]", False),
])
def test_nesting_is_measured_without_parsing(text: str, ok: bool) -> None:
    assert json_nesting_ok(text) is ok


def test_a_real_event_is_read() -> None:
    event = {"id": "WH-1", "resource": {"amount": {"value": "15.00"}}, "links": [{"href": "x"}]}
    assert json_object(json.dumps(event).encode()) == event
