"""Paybox / Up2Pay through eopayment (the IPN's RSA signature checked over the raw notice)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from billetterie.payments.models import PaymentState
from billetterie.payments.providers import paybox
from billetterie.payments.providers.bank_common import psp_ref
from billetterie.payments.providers.base import Mode, PaymentRequest, PaymentUrls, ProviderConfig
from billetterie.payments.providers.registry import provider_get
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, autopost, configure, post_notice, start

pytestmark = pytest.mark.django_db
HMAC_KEY = "0123456789ABCDEF" * 8
CREDS = {"site": "1999888", "rang": "32", "identifiant": "107904111", "hmac_key": HMAC_KEY}
LIVE = {"site": "1234567", "rang": "01", "identifiant": "123456789", "hmac_key": "ABCDEF0123456789" * 8}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


PAYBOX_KEY, OTHER_KEY = _key(), _key()


@pytest.fixture(autouse=True)
def paybox_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-in for Paybox's key pair (its private key signs the real notices)."""
    pem = PAYBOX_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    monkeypatch.setattr(paybox, "PAYBOX_PUBLIC_KEY", pem)


def ipn(fields: dict[str, str], key: rsa.RSAPrivateKey = PAYBOX_KEY) -> str:
    data = urlencode(fields, quote_via=quote)
    signature = key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA1())  # Paybox's scheme
    return data + "&signature=" + quote(base64.b64encode(signature).decode(), safe="")


def notice(form: dict[str, str], error: str = "00000", **over: str) -> dict[str, str]:
    fields = {"montant": form["PBX_TOTAL"], "reference": form["PBX_CMD"], "code_autorisation": "XXXXXX",
              "erreur": error, "numero_appel": "0010203040", "numero_transaction": "0005551234",
              "date_transaction": "01032027", "heure_transaction": "10:00:00"}
    fields.update(over)
    return fields


@pytest.fixture
def payment_form(shop: Shop) -> tuple:
    configure(shop, "paybox", CREDS)
    payment, action = start(shop, "paybox")
    return payment, autopost(action).fields


def test_start_posts_a_signed_form(payment_form: tuple) -> None:
    payment, form = payment_form
    assert form["PBX_SITE"] == "1999888" and form["PBX_RANG"] == "32" and form["PBX_DEVISE"] == "978"
    assert int(form["PBX_TOTAL"]) == payment.amount_cents
    assert form["PBX_CMD"] == psp_ref(payment.reference) + "T"
    assert form["PBX_REPONDRE_A"] == "http://testserver/payments/notify/paybox/assoc/"
    assert form["PBX_RUF1"] == "POST" and form["PBX_HASH"] == "SHA512"
    signed = "&".join(f"{k}={v}" for k, v in form.items() if k != "PBX_HMAC")
    assert form["PBX_HMAC"] == hmac.new(bytes.fromhex(HMAC_KEY), signed.encode(), hashlib.sha512).hexdigest().upper()


def test_live_refuses_the_test_site(shop: Shop) -> None:
    from billetterie.core.errors import InvalidInput

    configure(shop, "paybox", CREDS, live=True)
    with pytest.raises(InvalidInput):
        start(shop, "paybox")


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact(cents: int) -> None:
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    form = autopost(provider_get("paybox").start(request, PaymentUrls("http://t/r", "http://t/n"),
                                                 ProviderConfig(Mode.SANDBOX, CREDS)))
    assert int(form.fields["PBX_TOTAL"]) == cents
    assert form.url == "https://preprod-tpeweb.paybox.com/php/"


def test_signed_notice_confirms_once(payment_form: tuple) -> None:
    payment, form = payment_form
    body = ipn(notice(form))
    assert post_notice("paybox", body) == 200
    assert post_notice("paybox", body) == 200
    assert_paid_once(payment)


def test_refused_notice_fails_the_payment(payment_form: tuple) -> None:
    payment, form = payment_form
    assert post_notice("paybox", ipn(notice(form, "00105", code_autorisation=""))) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_key", "test_in_live", "unknown_error",
                                  "not_our_reference"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    live = case == "test_in_live"
    configure(shop, "paybox", LIVE if live else CREDS, live=live)
    payment, action = start(shop, "paybox")
    fields = notice(autopost(action).fields)
    if live:  # a payment of the test platform, correctly signed by Paybox, under a live configuration
        fields["reference"] = fields["reference"][:-1] + "T"
    body = {
        "unsigned": lambda: urlencode(fields),
        "forged": lambda: urlencode(fields) + "&signature=" + quote(base64.b64encode(b"x" * 128).decode()),
        "tampered": lambda: ipn(fields).replace(f"montant={fields['montant']}", "montant=1"),
        "wrong_key": lambda: ipn(fields, OTHER_KEY),
        "test_in_live": lambda: ipn(fields),
        "unknown_error": lambda: ipn({**fields, "erreur": "12345"}),
        "not_our_reference": lambda: ipn({**fields, "reference": "2027-03-01_ABCT"}),
    }[case]()
    assert post_notice("paybox", body) == 400
    assert_unchanged(payment)


def test_wrong_amount_is_flagged_not_paid(payment_form: tuple) -> None:
    payment, form = payment_form
    assert post_notice("paybox", ipn(notice(form, montant="100"))) == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention
