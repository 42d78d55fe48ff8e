"""The Ogone hosted payment page through eopayment."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from eopayment import ogone as eo_ogone

from billetterie.payments.models import PaymentState
from billetterie.payments.providers.bank_common import psp_ref
from billetterie.payments.providers.base import Mode, PaymentRequest, PaymentUrls, ProviderConfig
from billetterie.payments.providers.registry import provider_get
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, autopost, configure, post_notice, start

pytestmark = pytest.mark.django_db
CREDS = {"pspid": "assoc-test", "sha_in": "Sha-In-Passphrase-1", "sha_out": "Sha-Out-Passphrase-2"}
OUT_PARAMS = set(eo_ogone.SHA_OUT_PARAMS)


def sign_out(fields: dict[str, str], key: str = CREDS["sha_out"]) -> str:
    """Ogone's SHA-OUT: the sorted, non-empty, upper-cased parameters, each followed by the key."""
    upper = sorted((k.upper(), v) for k, v in fields.items())
    text = "".join(f"{k}={v}{key}" for k, v in upper if k in OUT_PARAMS and v)
    return hashlib.sha512(text.encode()).hexdigest().upper()


def notice(form: dict[str, str], status: str = "9", **over: str) -> dict[str, str]:
    fields = {"orderID": form["ORDERID"], "COMPLUS": form["COMPLUS"], "currency": "EUR",
              "amount": f"{int(form['AMOUNT']) / 100:g}", "PM": "CreditCard", "ACCEPTANCE": "test123",
              "STATUS": status, "CARDNO": "XXXXXXXXXXXX1111", "PAYID": "3084521", "NCERROR": "0", "BRAND": "VISA"}
    fields.update(over)
    return fields


def signed(fields: dict[str, str], key: str = CREDS["sha_out"]) -> str:
    return urlencode({**fields, "SHASIGN": sign_out(fields, key)})


@pytest.fixture
def ogone(shop: Shop) -> tuple:
    configure(shop, "ogone", CREDS)
    payment, action = start(shop, "ogone")
    return payment, autopost(action).fields


def test_start_posts_a_signed_form(ogone: tuple) -> None:
    payment, form = ogone
    assert form["PSPID"] == "assoc-test" and form["CURRENCY"] == "EUR"
    assert form["AMOUNT"] == str(payment.amount_cents)
    assert form["ORDERID"] == form["COMPLUS"] == psp_ref(payment.reference) + "T" and len(form["ORDERID"]) <= 30
    assert form["ACCEPTURL"].startswith("http://testserver/payments/back/")
    assert form["COM"].isascii() and form["COM"].startswith("Association des etudiants ")
    text = "".join(f"{k}={v}{CREDS['sha_in']}" for k, v in sorted(form.items()) if k != "SHASIGN" and v)
    assert form["SHASIGN"] == hashlib.sha512(text.encode()).hexdigest().upper()


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact(cents: int) -> None:
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    form = autopost(provider_get("ogone").start(request, PaymentUrls("http://t/r", "http://t/n"),
                                                ProviderConfig(Mode.LIVE, CREDS)))
    assert form.fields["AMOUNT"] == str(cents)
    assert form.url == "https://secure.ogone.com/ncol/prod/orderstandard.asp"


def test_signed_notice_confirms_once(ogone: tuple) -> None:
    payment, form = ogone
    body = signed(notice(form))
    assert post_notice("ogone", body) == 200
    assert post_notice("ogone", body) == 200
    assert_paid_once(payment)


def test_refused_notice_fails_the_payment(ogone: tuple) -> None:
    payment, form = ogone
    assert post_notice("ogone", signed(notice(form, "2", NCERROR="30001001"))) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_key", "test_in_live", "unknown_status",
                                  "orderid_complus_disagree"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    live = case == "test_in_live"
    configure(shop, "ogone", CREDS, live=live)
    payment, action = start(shop, "ogone")
    fields = notice(autopost(action).fields)
    if live:
        fields["orderID"] = fields["COMPLUS"] = fields["orderID"][:-1] + "T"
    body = {
        "unsigned": lambda: urlencode(fields),
        "forged": lambda: urlencode({**fields, "SHASIGN": "0" * 128}),
        "tampered": lambda: urlencode({**fields, "amount": "0.01", "SHASIGN": sign_out(fields)}),
        "wrong_key": lambda: signed(fields, "another passphrase"),
        "test_in_live": lambda: signed(fields),
        "unknown_status": lambda: signed({**fields, "STATUS": "42"}),
        "orderid_complus_disagree": lambda: signed({**fields, "COMPLUS": "x"}),
    }[case]()
    assert post_notice("ogone", body) == 400
    assert_unchanged(payment)


def test_wrong_amount_is_flagged_not_paid(ogone: tuple) -> None:
    payment, form = ogone
    assert post_notice("ogone", signed(notice(form, amount="0.5"))) == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention
