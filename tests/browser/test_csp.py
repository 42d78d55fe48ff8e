"""The shop, the payment pages and the back office work under the Content-Security-Policy, in a
real browser: the page's behaviours run (from static files) and nothing is refused (decision 0011).
Every browser test collects violations (conftest.csp_violations); these tests walk the pages whose
scripts moved out of the templates and check they still do their job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import PaymentMethodConfig
from tests.browser.conftest import CspViolations
from tests.browser.shop import fill_card
from tests.factories import Shop, door

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_collector_sees_what_the_policy_refuses(page: Page, live_server: Any, shop: Shop,
                                                    csp_violations: CspViolations) -> None:
    page.goto(f"{live_server.url}/{shop.organizer.slug}/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                             document.body.append(s); }""")
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => true")
    assert page.evaluate("() => window.ran") is None  # the inline script did not run
    assert any("script-src" in v for v in csp_violations), list(csp_violations)
    csp_violations.clear()


def test_main_journey_under_the_policy(page: Page, live_server: Any, shop: Shop,
                                       csp_violations: CspViolations) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", position=0, fee_fixed_cents=50)
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", position=1)
    shop.donation.donation_suggested = "500,1000"
    shop.donation.save(update_fields=["donation_suggested"])
    response = page.goto(f"{live_server.url}/{shop.organizer.slug}/e/jip/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Quantité — Entrée, Adulte").fill("1")
    page.get_by_role("button", name=re.compile("^10,00")).click()  # shop.js: a suggested donation fills in
    expect(page.locator(f"#donation_{shop.donation.pk}")).to_have_value("10,00")
    page.locator(f"#donation_{shop.donation.pk}").fill("")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.get_by_role("link", name="Voir le panier").click()
    expect(page.locator(".hold .countdown")).to_have_text(re.compile(r"\(\d+ min \d\d s\)"))  # shop.js: the countdown
    page.get_by_label("Votre nom").fill("Camille Martin")
    page.get_by_label("Votre e-mail").fill("camille@example.org")
    person = page.locator("fieldset.person").first
    person.get_by_label(re.compile("^Nom")).fill("Camille Martin")
    person.get_by_label(re.compile("^E-mail")).fill("camille@example.org")
    page.get_by_label("Virement bancaire").check()
    page.get_by_label("J'accepte les conditions de vente").check()
    page.get_by_role("button", name="Revoir et payer").click()
    expect(page.locator(".state")).to_contain_text("En attente de votre virement")
    # the order page: "Pay another way" follows the method chosen (shop.js), fee included
    page.get_by_text("Payer autrement").click()
    button = page.locator("#pay-button")
    expect(button).to_have_text("Payer 15,50\u00a0€")
    page.get_by_label(re.compile("Virement bancaire")).check()
    expect(button).to_have_text("Payer 15,00\u00a0€")
    page.get_by_label(re.compile("Carte bancaire")).check()
    button.click()
    fill_card(page, "4000 0000 0000 0077")  # approved, the notice arrives late: the order page polls
    expect(page.locator(".state")).to_contain_text("Paiement en cours")
    from tests.browser.test_journeys import _deliver_late_notices

    assert _deliver_late_notices() == 1
    expect(page.locator(".state")).to_contain_text("Paiement validé", timeout=15_000)
    assert Order.objects.get().state == OrderState.PAID
    assert not csp_violations, list(csp_violations)


def test_the_back_office_under_the_policy(page: Page, live_server: Any, shop: Shop,
                                          csp_violations: CspViolations) -> None:
    User.objects.create_superuser("root", "root@example.org", "pw-long-enough-1")
    checkin_list, _scope = door(shop)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Nom d’utilisateur").fill("root")
    page.get_by_label("Mot de passe").fill("pw-long-enough-1")
    page.get_by_role("button", name="Connexion").click()
    pages = ("/admin/", "/admin/orders/order/", "/admin/catalog/event/add/", "/admin/payments/statementline/import/",
             f"/admin/catalog/event/{shop.event.pk}/change/")
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
    page.goto(f"{live_server.url}/checkin/dashboard/{checkin_list.pk}/")
    expect(page.locator("#ck-progress")).to_have_attribute("value", "0")
    page.wait_for_timeout(3500)  # dashboard.js refreshes every 3 s: its fetch is allowed
    assert not csp_violations, list(csp_violations)


def test_the_api_documentation_under_the_policy(page: Page, live_server: Any, db: None,
                                                csp_violations: CspViolations) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("/api/v1/orders/{code}").first).to_be_visible()  # Swagger UI ran, from our files
    assert not csp_violations, list(csp_violations)
