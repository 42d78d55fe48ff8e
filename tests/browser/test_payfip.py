"""Paying by PayFiP (DGFiP) in a real browser, the way `billetterie demo` offers it: the method
set up by the demo's loader, its sandbox pointed at the local fake PayFiP through PAYFIP_API_BASE.

The fake's page posts a notice carrying the idOp only, then sends the buyer back through our
return view: every outcome the shop applies is the one it read back from the fake's
`recupererDetailPaiementSecurise`, never anything the notice or the browser said."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from billetterie.jobs.management.commands.load_demo import bank_methods_load, card_methods_load
from billetterie.orders.models import Order, OrderState
from billetterie.payments.models import Payment, PaymentState, ProviderNotice
from billetterie.payments.providers.bank_common import mode_ref
from billetterie_fakes.servers import payfip as fake
from tests.browser.shop import checkout_one_ticket, fill_card
from tests.factories import Shop

pytestmark = pytest.mark.django_db(transaction=True)

PAYFIP = "Carte bancaire ou prélèvement (PayFiP)"
CREATE, DETAIL = "creerPaiementSecurise", "recupererDetailPaiementSecurise"


@pytest.fixture
def payfip_fake() -> Iterator[tuple[str, fake.State]]:
    """The fake PayFiP on 127.0.0.1, on a port the system picks; stopped after the test."""
    server, state = fake.serve()
    try:
        yield f"http://127.0.0.1:{server.server_port}", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def payfip_shop(shop: Shop, settings: Any, payfip_fake: tuple[str, fake.State]) -> Shop:
    """The demo's methods, set up by the demo's loaders: the sandbox card, PayZen and Mercanet
    (their fakes served by the app), and PayFiP in sandbox mode with the fake's client number,
    PAYFIP_API_BASE naming the fake (no Stripe or PayPal here)."""
    settings.PAYMENT_FAKES = True
    settings.PAYFIP_API_BASE = payfip_fake[0]
    settings.STRIPE_API_BASE = settings.PAYPAL_API_BASE = ""
    bank_methods_load(shop.organizer)
    card_methods_load(shop.organizer)
    return shop


@pytest.fixture
def notices(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """The notices the fake's page posts to the shop: (URL, idop, our answer's status)."""
    sent: list[tuple[str, str, int]] = []
    deliver = fake.deliver_notice

    def recorded(url: str, idop: str) -> int:
        status = deliver(url, idop)
        sent.append((url, idop, status))
        return status

    monkeypatch.setattr(fake, "deliver_notice", recorded)
    return sent


def _notify_url(live_server: Any, shop: Shop) -> str:
    return f"{live_server.url}/payments/notify/payfip/{shop.organizer.slug}/"


def _at_payfip(page: Page, base: str) -> str:
    """The buyer is on the fake PayFiP's page for 15,00 €; returns the idOp it shows."""
    expect(page).to_have_url(re.compile(re.escape(base + fake.PAGE_PATH) + r"\?idop=[0-9a-f-]+$"))
    expect(page.get_by_text("15,00 €")).to_be_visible()
    return page.url.split("idop=")[1]


def _receipt_url(live_server: Any, order: Order) -> str:
    return live_server.url + reverse("shop:order", args=[order.organizer.slug, order.code, order.secret])


def _assert_paid_once(order: Order, idop: str) -> Payment:
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    [payment] = order.payments.filter(state=PaymentState.CONFIRMED)
    assert payment.provider == "payfip" and payment.amount_cents == 1500 and payment.currency == "EUR"
    assert payment.psp_reference == idop
    notice = ProviderNotice.objects.get(payment=payment)
    # what the shop applied is PayFiP's answer: the notice itself carried nothing but the idOp
    assert notice.notice_id == f"{idop}:P"
    assert notice.payload["idOp"] == idop and notice.payload["montant"] == "1500"
    assert notice.payload["saisie"] == "T" and notice.payload["numauto"]
    [email] = mail.outbox
    assert order.code in email.subject and email.to == ["camille@example.org"]
    return payment


def test_pay_by_payfip(page: Page, live_server: Any, payfip_shop: Shop, payfip_fake: tuple[str, fake.State],
                       notices: list[tuple[str, str, int]]) -> None:
    base, state = payfip_fake
    checkout_one_ticket(page, live_server, payfip_shop, PAYFIP)
    idop = _at_payfip(page, base)
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert payment.psp_reference == idop and payment.state == PaymentState.CREATED
    assert state.operations[idop].request["refdet"] == mode_ref(payment.reference, True)
    assert order.state == OrderState.PENDING and state.calls == [CREATE]
    page.get_by_role("button", name="Payer").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    expect(page).to_have_url(_receipt_url(live_server, order))  # back from our return view
    _assert_paid_once(order, idop)
    # the notice (idop only) made the shop ask PayFiP once; the return found the payment settled
    assert notices == [(_notify_url(live_server, payfip_shop), idop, 200)]
    assert state.calls == [CREATE, DETAIL]


def test_notice_lost_the_return_asks_payfip(page: Page, live_server: Any, payfip_shop: Shop,
                                            payfip_fake: tuple[str, fake.State],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """PayFiP's notice has not arrived when the buyer comes back: our return view asks PayFiP
    (server to server), and the notice that arrives later is a duplicate."""
    base, state = payfip_fake
    deliver = fake.deliver_notice
    late: list[tuple[str, str]] = []

    def lost(url: str, idop: str) -> int:  # runs in the fake's thread, as PayFiP's notice would
        late.append((url, idop))
        return 0  # unreachable, as far as the fake can tell

    monkeypatch.setattr(fake, "deliver_notice", lost)
    checkout_one_ticket(page, live_server, payfip_shop, PAYFIP)
    idop = _at_payfip(page, base)
    page.get_by_role("button", name="Payer").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    order = Order.objects.get()
    expect(page).to_have_url(_receipt_url(live_server, order))
    assert state.calls == [CREATE, DETAIL]  # asked by the return view: nothing was noticed yet
    _assert_paid_once(order, idop)
    [(url, sent)] = late
    assert url == _notify_url(live_server, payfip_shop) and sent == idop
    assert deliver(url, idop) == 200  # PayFiP's notice, late: PayFiP is asked again, nothing new applied
    assert state.calls == [CREATE, DETAIL, DETAIL]
    _assert_paid_once(order, idop)


def test_refused_at_payfip_then_paid_by_payfip(page: Page, live_server: Any, payfip_shop: Shop,
                                               payfip_fake: tuple[str, fake.State],
                                               notices: list[tuple[str, str, int]]) -> None:
    base, state = payfip_fake
    checkout_one_ticket(page, live_server, payfip_shop, PAYFIP)
    first = _at_payfip(page, base)
    page.get_by_role("button", name="Refuser").click()
    expect(page.locator(".state")).to_contain_text("Le paiement a échoué")
    order = Order.objects.get()
    expect(page).to_have_url(_receipt_url(live_server, order))
    assert order.state == OrderState.PENDING
    refused = Payment.objects.get()
    assert refused.state == PaymentState.FAILED and refused.psp_reference == first
    assert ProviderNotice.objects.get().notice_id == f"{first}:R"  # read back from PayFiP
    assert state.calls == [CREATE, DETAIL] and not mail.outbox

    page.get_by_label(PAYFIP).check()
    page.get_by_role("button", name="Réessayer").click()
    second = _at_payfip(page, base)  # a new operation at PayFiP
    assert second != first
    page.get_by_role("button", name="Payer").click()
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    paid = _assert_paid_once(order, second)
    assert [(p.pk, p.state) for p in order.payments.order_by("id")] == [
        (refused.pk, PaymentState.FAILED), (paid.pk, PaymentState.CONFIRMED)]
    assert state.calls == [CREATE, DETAIL, CREATE, DETAIL]
    assert notices == [(_notify_url(live_server, payfip_shop), idop, 200) for idop in (first, second)]


def test_cancelled_at_payfip_then_paid_by_card(page: Page, live_server: Any, payfip_shop: Shop,
                                               payfip_fake: tuple[str, fake.State]) -> None:
    base, state = payfip_fake
    checkout_one_ticket(page, live_server, payfip_shop, PAYFIP)
    idop = _at_payfip(page, base)
    page.get_by_role("button", name="Annuler").click()
    expect(page.locator(".state")).to_contain_text("Le paiement a échoué")
    order = Order.objects.get()
    assert order.state == OrderState.PENDING
    assert Payment.objects.get().state == PaymentState.FAILED
    assert ProviderNotice.objects.get().notice_id == f"{idop}:A"
    assert not mail.outbox

    page.get_by_label("Carte bancaire (bac à sable)").check()
    page.get_by_role("button", name="Réessayer").click()
    fill_card(page, "4242 4242 4242 4242")
    expect(page.locator(".state")).to_contain_text("Paiement validé")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert [(p.provider, p.state, p.amount_cents) for p in order.payments.order_by("id")] == [
        ("payfip", PaymentState.FAILED, 1500), ("sandbox", PaymentState.CONFIRMED, 1500)]
    [email] = mail.outbox
    assert order.code in email.subject
    assert state.calls == [CREATE, DETAIL]  # PayFiP was not asked again
