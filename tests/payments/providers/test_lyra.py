"""Lyra "vads" family (SystemPay, PayZen, Sogecommerce, Scellius, Clic&Pay) through eopayment."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlencode

import pytest
from eopayment import systempayv2

from billetterie.payments.models import PaymentState, ProviderNotice
from billetterie.payments.providers.bank_common import our_ref, psp_ref
from billetterie.payments.providers.base import (
    Mode,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    RefundOutcome,
    RefundRequest,
)
from billetterie.payments.providers.registry import provider_get
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, autopost, configure, post_notice, start

pytestmark = pytest.mark.django_db
TEST_KEY = "TestKeyOfTheShop1234"
LIVE_KEY = "LiveKeyOfTheShop9876"
SITE = "47163125"
SERVICES = {
    "systempay": "https://paiement.systempay.fr/vads-payment/",
    "payzen": "https://secure.payzen.eu/vads-payment/",
    "sogecommerce": "https://sogecommerce.societegenerale.eu/vads-payment/",
    "scellius": "https://scelliuspaiement.labanquepostale.fr/vads-payment/",
    "clicandpay": "https://clicandpay.groupecdn.fr/vads-payment/",
}


def sign(fields: dict[str, str], key: str, algorithm: str = "hmac_sha256") -> str:
    """Lyra's signature, written from its documentation (not eopayment's code)."""
    text = "+".join(fields[k] for k in sorted(fields) if k.startswith("vads_")) + "+" + key
    if algorithm == "sha1":
        return hashlib.sha1(text.encode()).hexdigest()  # the service's legacy algorithm
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def notice_fields(form: dict[str, str], *, result: str = "00", status: str = "AUTHORISED",
                  **over: str) -> dict[str, str]:
    fields = {k: v for k, v in form.items() if k.startswith("vads_") and not k.startswith("vads_url_")}
    fields.update({"vads_result": result, "vads_auth_result": result, "vads_extra_result": "",
                   "vads_trans_status": status, "vads_trans_uuid": "a" * 32, "vads_operation_type": "DEBIT",
                   "vads_url_check_src": "PAY"})
    fields.update(over)
    return fields


def signed(fields: dict[str, str], key: str = TEST_KEY) -> str:
    return urlencode({**fields, "signature": sign(fields, key)})


@pytest.fixture
def payzen(shop: Shop) -> tuple:
    configure(shop, "payzen", {"site_id": SITE, "key": TEST_KEY})
    payment, action = start(shop, "payzen")
    return payment, autopost(action).fields


@pytest.mark.parametrize("provider_id", sorted(SERVICES))
def test_start_posts_a_signed_form_to_the_service(shop: Shop, provider_id: str) -> None:
    configure(shop, provider_id, {"site_id": SITE, "key": TEST_KEY})
    payment, action = start(shop, provider_id)
    form = autopost(action)
    assert form.url == SERVICES[provider_id]
    f = form.fields
    assert f["vads_site_id"] == SITE and f["vads_ctx_mode"] == "TEST"
    assert f["vads_amount"] == str(payment.amount_cents) and f["vads_currency"] == "978"
    assert our_ref(f["vads_order_id"]) == payment.reference
    assert f["vads_url_check"] == f"http://testserver/payments/notify/{provider_id}/assoc/"
    assert f["vads_url_return"].startswith("http://testserver/payments/back/")
    assert f["signature"] == sign(f, TEST_KEY)


def test_live_mode_signs_with_the_production_key(shop: Shop) -> None:
    configure(shop, "payzen", {"site_id": SITE, "key": LIVE_KEY}, live=True)
    _payment, action = start(shop, "payzen")
    f = autopost(action).fields
    assert f["vads_ctx_mode"] == "PRODUCTION"
    assert f["signature"] == sign(f, LIVE_KEY)


def test_service_url_and_sha1_from_the_credentials(shop: Shop) -> None:
    configure(shop, "systempay", {"site_id": SITE, "key": TEST_KEY, "signature_algorithm": "sha1",
                                  "service_url": "https://example.invalid/vads-payment/"})
    _payment, action = start(shop, "systempay")
    form = autopost(action)
    assert form.url == "https://example.invalid/vads-payment/"
    assert form.fields["signature"] == sign(form.fields, TEST_KEY, "sha1")


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact(cents: int) -> None:
    provider = provider_get("payzen")
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    config = ProviderConfig(Mode.SANDBOX, {"site_id": SITE, "key": TEST_KEY})
    form = autopost(provider.start(request, PaymentUrls("http://t/r", "http://t/n"), config))
    assert form.fields["vads_amount"] == str(cents)
    assert form.fields["vads_order_id"] == psp_ref(request.reference)


def test_signed_notice_confirms_once(payzen: tuple) -> None:
    payment, form = payzen
    body = signed(notice_fields(form))
    assert post_notice("payzen", body) == 200
    assert post_notice("payzen", body) == 200  # the service retries: acknowledged, ignored
    assert_paid_once(payment)
    payment.refresh_from_db()
    assert payment.psp_reference == "a" * 32


def test_refused_notice_fails_the_payment(payzen: tuple) -> None:
    payment, form = payzen
    assert post_notice("payzen", signed(notice_fields(form, result="05", status="REFUSED",
                                                      vads_trans_uuid="b" * 32))) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


def test_tampered_notice_is_paid_but_unsigned_for_eopayment_and_refused_by_us(payzen: tuple) -> None:
    payment, form = payzen
    fields = notice_fields(form)
    good = sign(fields, TEST_KEY)
    fields["vads_amount"] = "1"
    backend = systempayv2.Payment({"vads_site_id": SITE, "secret_test": TEST_KEY, "signature_algo": "hmac_sha256"})
    response = backend.response(urlencode({**fields, "signature": good}))
    assert response.result == systempayv2.PAID and response.signed is False  # eopayment's trap
    assert post_notice("payzen", urlencode({**fields, "signature": good})) == 400
    assert_unchanged(payment)


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_key", "test_key_in_live",
                                  "production_in_sandbox", "other_shop", "unknown_result", "not_our_reference"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    live = case == "test_key_in_live"
    key = LIVE_KEY if live else TEST_KEY
    configure(shop, "payzen", {"site_id": SITE, "key": key}, live=live)
    payment, action = start(shop, "payzen")
    fields = notice_fields(autopost(action).fields)
    if case == "unsigned":
        body = urlencode(fields)
    elif case == "forged":
        body = urlencode({**fields, "signature": base64.b64encode(b"x" * 32).decode()})
    elif case == "tampered":
        signature = sign(fields, key)
        body = urlencode({**fields, "vads_amount": "1", "signature": signature})
    elif case == "wrong_key":
        body = signed(fields, "AnotherShopKey000")
    elif case == "test_key_in_live":
        body = signed({**fields, "vads_ctx_mode": "TEST"}, TEST_KEY)
    elif case == "production_in_sandbox":
        body = signed({**fields, "vads_ctx_mode": "PRODUCTION"}, TEST_KEY)
    elif case == "other_shop":
        body = signed({**fields, "vads_site_id": "11111111"})
    elif case == "unknown_result":
        body = signed({**fields, "vads_result": "42"})
    else:
        body = signed({**fields, "vads_order_id": "ABC-not-ours"})
    assert post_notice("payzen", body) == 400
    assert_unchanged(payment)


def test_test_key_in_live_signed_as_production_is_refused(shop: Shop) -> None:
    configure(shop, "payzen", {"site_id": SITE, "key": LIVE_KEY}, live=True)
    payment, action = start(shop, "payzen")
    assert post_notice("payzen", signed(notice_fields(autopost(action).fields), TEST_KEY)) == 400
    assert_unchanged(payment)


def test_wrong_amount_is_flagged_not_paid(payzen: tuple) -> None:
    payment, form = payzen
    assert post_notice("payzen", signed(notice_fields(form, vads_amount="999"))) == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention
    assert payment.order.state != "paid"


def test_unconfigured_method_refuses_notices(shop: Shop) -> None:
    assert post_notice("scellius", "vads_ctx_mode=TEST&signature=x") == 400
    assert not ProviderNotice.objects.exists()


def test_refund_is_manual() -> None:
    provider = provider_get("payzen")
    request = PaymentRequest(reference="r", amount_cents=100, currency="EUR", order_code="A", buyer_email="",
                             buyer_name="", merchant_name="")
    result = provider.refund(RefundRequest("rf1", request, 100, "EUR"), ProviderConfig())
    assert result.outcome == RefundOutcome.MANUAL
