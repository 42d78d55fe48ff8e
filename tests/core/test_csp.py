"""The Content-Security-Policy header (decision 0011): strict on every page, widened per response
by what that response needs — the scanner's worker, each payment page's own service, nothing for
the services a page does not offer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

import billetterie_fakes
from billetterie.core.csp import Sources, allow, origin
from billetterie.payments.providers.base import Mode, ProviderConfig
from billetterie.payments.providers.registry import provider_get
from tests.factories import Shop, order_placed
from tests.payments.fakes import PAYPAL_CREDENTIALS, STRIPE_CREDENTIALS, method_setup
from tests.payments.providers.bank import configure

pytestmark = pytest.mark.django_db

BASE = {
    "default-src": "'self'", "script-src": "'self'", "img-src": "'self'", "connect-src": "'self'",
    "worker-src": "'self'", "frame-src": "'none'", "object-src": "'none'", "base-uri": "'none'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}


def policy(response: HttpResponse) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, _sep, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def sources(response: HttpResponse, directive: str) -> set[str]:
    return set(policy(response)[directive].split())


def test_shop_pages_get_the_strict_policy(client: Client, shop: Shop) -> None:
    for url in (reverse("shop:home", args=["assoc"]), reverse("shop:event", args=["assoc", "jip"])):
        directives = policy(client.get(url))
        assert {k: directives.get(k) for k in BASE} == BASE
        assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
        assert "'unsafe-eval'" not in directives["script-src"]


def test_shop_templates_hold_no_inline_script_style_or_handler() -> None:
    """What the policy refuses must not be in our pages: scripts and styles are static files."""
    root = Path(settings.BASE_DIR)
    # emails (notifications', the contact form's) and the PDFs (tickets, invoices, tax receipts)
    # are not pages a browser shows
    pages = [p for p in root.glob("*/templates/**/*.html")
             if not {"notifications", "tickets", "messaging", "invoicing", "taxreceipts"} & set(p.parts)]
    pages += Path(billetterie_fakes.__file__).parent.glob("templates/**/*.html")  # the demo's bank pages
    assert len(pages) > 20
    for page in pages:
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), page
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", text), page


def test_the_scanner_may_run_its_decoder_in_a_blob_worker(client: Client, db: None) -> None:
    response = client.get(reverse("checkin:scanner"))
    assert response.status_code == 200
    assert sources(response, "worker-src") == {"'self'", "blob:"}
    assert sources(response, "script-src") == {"'self'"}
    assert sources(response, "connect-src") == {"'self'"}


def test_admin_pages_get_the_policy(admin_client: Client) -> None:
    response = admin_client.get("/admin/payments/payment/")
    assert response.status_code == 200
    assert {k: policy(response).get(k) for k in BASE} == BASE
    assert policy(response)["style-src"] == "'self'"


def test_an_order_page_opens_form_action_to_the_offered_services_only(client: Client, shop: Shop,
                                                                      settings: object) -> None:
    settings.PAYPAL_API_BASE = ""  # type: ignore[attr-defined]
    method_setup(shop.organizer, "paypal", PAYPAL_CREDENTIALS, mode=Mode.LIVE, position=1)
    method_setup(shop.organizer, "sandbox", {}, position=2)
    order = order_placed(shop, tickets=1, meals=0)
    response = client.get(reverse("shop:order", args=["assoc", order.code, order.secret]))
    assert response.status_code == 200
    # "Pay" is answered with a redirect to PayPal: the browser checks it against this page's form-action
    assert sources(response, "form-action") == {"'self'", "https://www.paypal.com"}
    assert sources(response, "script-src") == {"'self'"} and sources(response, "frame-src") == {"'none'"}


def test_the_stripe_payment_page_allows_stripe_and_nothing_else(client: Client, shop: Shop,
                                                                stripe_ready: str) -> None:
    method_setup(shop.organizer, "stripe", STRIPE_CREDENTIALS, position=1)
    order = order_placed(shop, tickets=1, meals=0)
    response = client.post(reverse("shop:order_pay", args=["assoc", order.code, order.secret]),
                           {"provider": "stripe"})
    assert response.status_code == 200 and b"payment-element" in response.content
    local = origin(stripe_ready)  # localstripe: the stand-in for stripe.js and the API, one address
    assert sources(response, "script-src") == {"'self'", local}
    assert sources(response, "connect-src") == {"'self'", local}
    assert sources(response, "form-action") == {"'self'"}
    assert sources(response, "frame-src") == {"'none'"}


def test_the_page_posting_to_a_bank_allows_that_bank_only(client: Client, shop: Shop, settings: object) -> None:
    settings.PAYMENT_FAKES = False  # type: ignore[attr-defined]
    configure(shop, "payzen", {"site_id": "47163125", "key": "TestKeyOfTheShop1234",
                               "service_url": "https://paiement.banque.example:8443/vads-payment/"})
    configure(shop, "mercanet", {"merchant_id": "211000021310001", "secret_key": "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aB"})
    order = order_placed(shop, tickets=1, meals=0)
    page = client.get(reverse("shop:order", args=["assoc", order.code, order.secret]))
    assert "https://paiement.banque.example:8443" in sources(page, "form-action")
    response = client.post(reverse("shop:order_pay", args=["assoc", order.code, order.secret]),
                           {"provider": "payzen"})
    assert response.status_code == 200 and b"data-autopost" in response.content
    assert sources(response, "form-action") == {"'self'", "https://paiement.banque.example:8443"}
    mercanet = client.post(reverse("shop:order_pay", args=["assoc", order.code, order.secret]),
                           {"provider": "mercanet"})
    # Sips 2.0's paymentInit redirects the browser to its card page, on the service's own domains
    assert sources(mercanet, "form-action") == {
        "'self'", "https://payment-webinit-mercanet.test.sips-services.com", "https://*.sips-services.com",
        "https://*.mercanet.bnpparibas.net"}


@pytest.mark.parametrize(("provider_id", "mode", "expected"), [
    ("stripe", Mode.LIVE, {"script_src": ("https://js.stripe.com", "https://*.js.stripe.com"),
                           "connect_src": ("https://api.stripe.com",)}),
    ("paypal", Mode.LIVE, {"form_action": ("https://www.paypal.com",)}),
    ("paypal", Mode.SANDBOX, {"form_action": ("https://www.sandbox.paypal.com",)}),
    ("sandbox", Mode.SANDBOX, {}),
    ("transfer", Mode.LIVE, {}),
])
def test_what_each_service_declares(settings: object, provider_id: str, mode: Mode,
                                    expected: dict[str, tuple[str, ...]]) -> None:
    settings.STRIPE_API_BASE = settings.PAYPAL_API_BASE = ""  # type: ignore[attr-defined]
    provider = provider_get(provider_id)
    assert provider is not None
    declared = provider.page_sources(ProviderConfig(mode=mode))
    for name, values in expected.items():
        assert getattr(declared, name)[:len(values)] == values
    if not expected:
        assert declared == Sources()


def test_bank_services_declare_their_page_and_the_fakes_nothing(settings: object) -> None:
    settings.PAYMENT_FAKES = True  # type: ignore[attr-defined]
    for provider_id in ("payzen", "mercanet"):
        provider = provider_get(provider_id)
        assert provider is not None
        assert provider.page_sources(ProviderConfig()) == Sources()  # the local fake, on our own site
    monetico = provider_get("monetico")
    assert monetico is not None
    live = ProviderConfig(mode=Mode.LIVE, credentials={"tpe": "1234567", "key": "k", "societe": "s"})
    assert monetico.page_sources(live).form_action == ("https://p.monetico-services.com",)
    assert monetico.page_sources(ProviderConfig(mode=Mode.LIVE)) == Sources()  # not configured


def test_origin_and_allow() -> None:
    assert origin("https://Pay.Example:8443/x?y") == "https://pay.example:8443"
    assert origin("/sandbox-psp/pay/") == "" and origin("javascript:alert(1)") == ""
    assert origin("https://user@evil.example/") == ""
    response = allow(HttpResponse(), Sources(frame_src=("https://a.example",), form_action=("https://b.example",)))
    response = allow(response, Sources(form_action=("https://c.example",)))
    assert response._csp_replace == {  # type: ignore[attr-defined]
        "frame-src": ["https://a.example"],  # 'none' stands alone or not at all
        "form-action": ["'self'", "https://b.example", "https://c.example"],
    }
