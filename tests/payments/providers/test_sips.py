"""Worldline SIPS 2 (Mercanet, Sogenactif, Sherlocks) through eopayment."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from eopayment import sips2

from billetterie.payments.models import PaymentState
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
from billetterie.payments.providers.sips import TEST_MERCHANT_ID, TEST_SECRET_KEY
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, autopost, configure, post_notice, start

pytestmark = pytest.mark.django_db
MERCHANT = "211000021310001"
KEY = "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
LIVE_KEY = "Lv0lIvEkEy_ofTheMerchant_0123456789abcdefgh"
SERVICES = {
    "mercanet": ("https://payment-webinit-mercanet.test.sips-services.com/paymentInit",
                 "https://payment-webinit.mercanet.bnpparibas.net/paymentInit"),
    "sogenactif": ("https://payment-webinit-sogenactif.test.sips-services.com/paymentInit",
                   "https://payment-webinit.sogenactif.com/paymentInit"),
    "sherlocks": ("https://sherlocks-payment-webinit-simu.secure.lcl.fr/paymentInit",
                  "https://sherlocks-payment-webinit.secure.lcl.fr/paymentInit"),
}


def seal(data: str, key: str) -> str:
    """SIPS 2 seal as its documentation describes it: SHA-256 of Data followed by the secret key."""
    return hashlib.sha256((data + key).encode()).hexdigest()


def data_of(form: dict[str, str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in form["Data"].split("|"))


def notice(sent: dict[str, str], *, code: str = "00", **over: str) -> dict[str, str]:
    data = {k: sent[k] for k in ("amount", "currencyCode", "merchantId", "transactionReference", "keyVersion",
                                 "orderId", "captureMode")}
    data.update({"responseCode": code, "acquirerResponseCode": code, "authorisationId": "123456",
                 "transactionDateTime": "2027-03-01T10:00:00+01:00", "paymentMeanBrand": "CB"})
    data.update(over)
    return data


def sealed(data: dict[str, str], key: str = KEY) -> str:
    raw = "|".join(f"{k}={v}" for k, v in data.items())
    return urlencode({"Data": raw, "Seal": seal(raw, key), "InterfaceVersion": "HP_2.3", "Encode": ""})


@pytest.fixture
def mercanet(shop: Shop) -> tuple:
    configure(shop, "mercanet", {"merchant_id": MERCHANT, "secret_key": KEY})
    payment, action = start(shop, "mercanet")
    return payment, data_of(autopost(action).fields)


@pytest.mark.parametrize("provider_id", sorted(SERVICES))
@pytest.mark.parametrize("live", [False, True])
def test_start_posts_sealed_data(shop: Shop, provider_id: str, live: bool) -> None:
    key = LIVE_KEY if live else KEY
    configure(shop, provider_id, {"merchant_id": MERCHANT, "secret_key": key}, live=live)
    payment, action = start(shop, provider_id)
    form = autopost(action)
    assert form.url == SERVICES[provider_id][1 if live else 0]
    assert form.fields["Seal"] == seal(form.fields["Data"], key)
    assert form.fields["InterfaceVersion"].startswith("HP_2.")
    data = data_of(form.fields)
    assert data["merchantId"] == MERCHANT and data["keyVersion"] == "1" and data["currencyCode"] == "978"
    assert int(data["amount"]) == payment.amount_cents
    assert our_ref(data["transactionReference"]) == payment.reference
    assert data["orderId"] == payment.order.code
    assert data["automaticResponseUrl"] == f"http://testserver/payments/notify/{provider_id}/assoc/"
    assert data["normalReturnUrl"].startswith("http://testserver/payments/back/")


def test_live_refuses_the_simulation_merchant(shop: Shop) -> None:
    configure(shop, "mercanet", {"merchant_id": TEST_MERCHANT_ID, "secret_key": TEST_SECRET_KEY}, live=True)
    from billetterie.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        start(shop, "mercanet")


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact(cents: int) -> None:
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    config = ProviderConfig(Mode.SANDBOX, {"merchant_id": MERCHANT, "secret_key": KEY})
    form = autopost(provider_get("sogenactif").start(request, PaymentUrls("http://t/r", "http://t/n"), config))
    data = data_of(form.fields)
    assert int(data["amount"]) == cents
    assert data["transactionReference"] == psp_ref(request.reference)


def test_sealed_notice_confirms_once(mercanet: tuple) -> None:
    payment, sent = mercanet
    body = sealed(notice(sent))
    assert post_notice("mercanet", body) == 200
    assert post_notice("mercanet", body) == 200
    assert_paid_once(payment)
    payment.refresh_from_db()
    assert payment.psp_reference == "123456"


def test_refused_notice_fails_the_payment(mercanet: tuple) -> None:
    payment, sent = mercanet
    assert post_notice("mercanet", sealed(notice(sent, code="05", authorisationId=""))) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


def test_tampered_notice_is_paid_but_unsigned_for_eopayment_and_refused_by_us(mercanet: tuple) -> None:
    payment, sent = mercanet
    data = notice(sent)
    raw = "|".join(f"{k}={v}" for k, v in data.items())
    good = seal(raw, KEY)
    tampered = raw.replace(f"amount={data['amount']}", "amount=1")
    backend = sips2.Payment({"merchant_id": MERCHANT, "secret_key": KEY})
    response = backend.response(urlencode({"Data": tampered, "Seal": good, "InterfaceVersion": "HP_2.3"}))
    assert response.result == sips2.PAID and response.signed is False  # eopayment's trap
    assert post_notice("mercanet", urlencode({"Data": tampered, "Seal": good, "InterfaceVersion": "HP_2.3"})) == 400
    assert_unchanged(payment)


@pytest.mark.parametrize("case", ["unsealed", "forged", "tampered", "wrong_key", "test_key_in_live",
                                  "simulation_merchant_in_live", "other_merchant", "other_key_version",
                                  "unknown_code", "not_our_reference", "garbage", "garbage_sealed"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    live = case in ("test_key_in_live", "simulation_merchant_in_live")
    key = LIVE_KEY if live else KEY
    configure(shop, "mercanet", {"merchant_id": MERCHANT, "secret_key": key}, live=live)
    payment, action = start(shop, "mercanet")
    data = notice(data_of(autopost(action).fields))
    raw = "|".join(f"{k}={v}" for k, v in data.items())
    if case == "unsealed":
        body = urlencode({"Data": raw, "InterfaceVersion": "HP_2.3"})
    elif case == "forged":
        body = urlencode({"Data": raw, "Seal": "0" * 64, "InterfaceVersion": "HP_2.3"})
    elif case == "tampered":
        body = urlencode({"Data": raw.replace("responseCode=00", "responseCode=00|x=1"), "Seal": seal(raw, key),
                          "InterfaceVersion": "HP_2.3"})
    elif case == "wrong_key":
        body = sealed(data, "another merchant's key")
    elif case == "test_key_in_live":
        body = sealed(data, TEST_SECRET_KEY)
    elif case == "simulation_merchant_in_live":
        body = sealed({**data, "merchantId": TEST_MERCHANT_ID}, TEST_SECRET_KEY)
    elif case == "other_merchant":
        body = sealed({**data, "merchantId": "211000021310002"})
    elif case == "other_key_version":
        body = sealed({**data, "keyVersion": "2"})
    elif case == "unknown_code":
        body = sealed({**data, "responseCode": "42"})
    elif case == "garbage":  # anyone can post to the notice address
        body = urlencode({"Data": "garbage", "Seal": "abc", "InterfaceVersion": "HP_2.3"})
    elif case == "garbage_sealed":
        body = urlencode({"Data": "a|b", "Seal": seal("a|b", key), "InterfaceVersion": "HP_2.3"})
    else:
        body = sealed({**data, "transactionReference": "abc"})
    assert post_notice("mercanet", body) == 400
    assert_unchanged(payment)


def test_wrong_amount_is_flagged_not_paid(mercanet: tuple) -> None:
    payment, sent = mercanet
    assert post_notice("mercanet", sealed(notice(sent, amount="1"))) == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention


def test_refund_is_manual() -> None:
    request = PaymentRequest(reference="r", amount_cents=100, currency="EUR", order_code="A", buyer_email="",
                             buyer_name="", merchant_name="")
    result = provider_get("sherlocks").refund(RefundRequest("rf1", request, 100, "EUR"), ProviderConfig())
    assert result.outcome == RefundOutcome.MANUAL
