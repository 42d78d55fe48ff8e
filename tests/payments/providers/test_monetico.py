"""Monetico (CIC, Crédit Mutuel): our own adapter of its form protocol 3.0."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

import pytest

from billetterie.payments.models import PaymentState
from billetterie.payments.providers.bank_common import psp_ref
from billetterie.payments.providers.base import Mode, PaymentRequest, PaymentUrls, ProviderConfig
from billetterie.payments.providers.monetico import ACK_OK, amount_parse, amount_text, usable_key
from billetterie.payments.providers.registry import provider_get
from tests.factories import Shop

from .bank import AMOUNTS, assert_paid_once, assert_unchanged, autopost, configure, post_notice, start

pytestmark = pytest.mark.django_db
KEY = "0123456789ABCDEF0123456789ABCDEF01234567"
CREDS = {"tpe": "1234567", "key": KEY, "societe": "assoc"}


def seal(fields: dict[str, str], key: str = KEY) -> str:
    """Monetico's MAC as its specification writes it (HMAC-SHA1 over sorted name=value joined by *)."""
    text = "*".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "MAC")
    return hmac.new(bytes.fromhex(key), text.encode(), hashlib.sha1).hexdigest()


def notice(form: dict[str, str], code: str = "payetest", **over: str) -> dict[str, str]:
    fields = {k: form[k] for k in ("TPE", "date", "montant", "reference", "texte-libre")}
    fields.update({"code-retour": code, "cvx": "oui", "vld": "1234", "brand": "VI", "status3ds": "1",
                   "numauto": "010101" if code != "Annulation" else "", "motifrefus": "",
                   "originecb": "FRA", "modepaiement": "CB", "usage": "inconnu", "cbmasquee": "4970XXXXXXXX1234"})
    fields.update(over)
    return fields


def sealed(fields: dict[str, str], key: str = KEY) -> str:
    return urlencode({**fields, "MAC": seal(fields, key)})


@pytest.fixture
def monetico(shop: Shop) -> tuple:
    configure(shop, "monetico", CREDS)
    payment, action = start(shop, "monetico")
    return payment, autopost(action).fields


@pytest.mark.parametrize(("key", "usable"), [
    (KEY, KEY), ("0123456789ABCDEF0123456789ABCDEF012345G7", "0123456789ABCDEF0123456789ABCDEF01234507"),
    ("0123456789ABCDEF0123456789ABCDEF0123456M", "0123456789ABCDEF0123456789ABCDEF01234560"),
])
def test_usable_key(key: str, usable: str) -> None:
    assert usable_key(key) == bytes.fromhex(usable)


def test_start_posts_a_sealed_form(monetico: tuple) -> None:
    payment, form = monetico
    assert form["TPE"] == "1234567" and form["version"] == "3.0" and form["societe"] == "assoc"
    assert form["montant"] == f"{payment.amount_cents // 100}.{payment.amount_cents % 100:02d}EUR"
    assert form["texte-libre"] == psp_ref(payment.reference) + "T" and form["reference"] == form["texte-libre"][:12]
    assert form["MAC"].lower() == seal(form)
    assert form["url_retour_ok"].startswith("http://testserver/payments/back/")


@pytest.mark.parametrize("cents", AMOUNTS)
def test_amounts_are_exact(cents: int) -> None:
    assert amount_parse(amount_text(cents, "EUR")) == (cents, "EUR")
    request = PaymentRequest(reference="CzePqYs-JY9YaugdVT6aZEAWTvs", amount_cents=cents, currency="EUR",
                             order_code="ABC12", buyer_email="a@example.org", buyer_name="A", merchant_name="M")
    form = autopost(provider_get("monetico").start(request, PaymentUrls("http://t/r", "http://t/n"),
                                                   ProviderConfig(Mode.SANDBOX, CREDS)))
    assert form.url == "https://p.monetico-services.com/test/paiement.cgi"
    assert form.fields["montant"] == {1: "0.01EUR", 99: "0.99EUR", 100: "1.00EUR", 1999: "19.99EUR",
                                      123456789: "1234567.89EUR"}[cents]


def test_sealed_notice_confirms_once_and_is_acknowledged(monetico: tuple) -> None:
    from django.test import Client

    payment, form = monetico
    body = sealed(notice(form))
    for _ in range(2):
        response = Client().post("/payments/notify/monetico/assoc/", data=body.encode(),
                                 content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200 and response.content.decode() == ACK_OK == "version=2\ncdr=0\n"
    assert_paid_once(payment)


def test_refused_notice_fails_the_payment(monetico: tuple) -> None:
    payment, form = monetico
    assert post_notice("monetico", sealed(notice(form, "Annulation", motifrefus="Refus"))) == 200
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED


@pytest.mark.parametrize("case", ["unsigned", "forged", "tampered", "wrong_key", "test_in_live", "real_in_sandbox",
                                  "other_tpe", "unknown_code", "references_disagree", "bad_amount"])
def test_bad_notices_change_nothing(shop: Shop, case: str) -> None:
    live = case == "test_in_live"
    configure(shop, "monetico", CREDS, live=live)
    payment, action = start(shop, "monetico")
    fields = notice(autopost(action).fields, "paiement" if live else "payetest")
    body = {
        "unsigned": lambda: urlencode(fields),
        "forged": lambda: urlencode({**fields, "MAC": "0" * 40}),
        "tampered": lambda: urlencode({**fields, "montant": "0.01EUR", "MAC": seal(fields)}),
        "wrong_key": lambda: sealed(fields, "F" * 40),
        "test_in_live": lambda: sealed({**fields, "code-retour": "payetest"}),
        "real_in_sandbox": lambda: sealed({**fields, "code-retour": "paiement"}),
        "other_tpe": lambda: sealed({**fields, "TPE": "7654321"}),
        "unknown_code": lambda: sealed({**fields, "code-retour": "peut-etre"}),
        "references_disagree": lambda: sealed({**fields, "reference": "ABCDEFGHIJKL"}),
        "bad_amount": lambda: sealed({**fields, "montant": "1,00EUR"}),
    }[case]()
    assert post_notice("monetico", body) == 400
    assert_unchanged(payment)


def test_live_payment_notice_in_live_mode_is_accepted(shop: Shop) -> None:
    configure(shop, "monetico", CREDS, live=True)
    payment, action = start(shop, "monetico")
    form = autopost(action)
    assert form.url == "https://p.monetico-services.com/paiement.cgi" and form.fields["texte-libre"].endswith("L")
    assert post_notice("monetico", sealed(notice(form.fields, "paiement"))) == 200
    assert_paid_once(payment)


def test_wrong_amount_is_flagged_not_paid(monetico: tuple) -> None:
    payment, form = monetico
    assert post_notice("monetico", sealed(notice(form, montant="0.50EUR"))) == 200
    payment.refresh_from_db()
    assert payment.state != PaymentState.CONFIRMED and payment.needs_attention
