"""How a method settles is its own declaration (Settlement, in its capabilities): a new offline
method declared in its own file settles by its policy, with no change to payments/services.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import OrderState
from billetterie.payments.models import PaymentMethodConfig, PaymentState
from billetterie.payments.providers import registry
from billetterie.payments.providers.base import ClientStep, PaymentUrls, Settlement
from billetterie.payments.selectors import order_payment_status, transfer_due, transfer_instructions
from billetterie.payments.services import payment_method_credentials_set, payment_record_external, payment_start
from tests.factories import Shop, order_placed
from tests.payments.offline_providers import GiroProvider, MandateProvider

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")
IBAN = "FR76 1027 8060 0100 0202 0340 155"


def test_every_method_declares_how_it_settles() -> None:
    declared = {key: p.capabilities.settlement for key, p in registry.PROVIDERS.items()}
    declared |= {key: m.capabilities.settlement for key, m in registry.RECORDED_METHODS.items()}
    offline = {key: s for key, s in declared.items() if s != Settlement.ONLINE}
    assert offline == {
        "transfer": Settlement.PENDING_INSTRUCTIONS, "invoice": Settlement.AWAITING_INVOICE,
        "cash": Settlement.AT_ONCE, "cheque": Settlement.AT_ONCE, "card_terminal": Settlement.AT_ONCE,
    }
    # the payment services; only Stripe's page takes a step through us
    assert [key for key, p in registry.PROVIDERS.items() if isinstance(p, ClientStep)] == ["stripe"]


@pytest.fixture
def giro(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> PaymentMethodConfig:
    monkeypatch.setitem(registry.PROVIDERS, GiroProvider.identifier, GiroProvider())
    config = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="giro", days_to_pay=12,
                                                instructions="Depuis votre caisse.")
    payment_method_credentials_set(config=config, mode="sandbox", values={"holder": "Caisse des fêtes", "iban": IBAN})
    return config


def test_a_new_method_settled_by_instructions(shop: Shop, giro: PaymentMethodConfig,
                                              django_capture_on_commit_callbacks: Any) -> None:
    now = clock.now()
    with time_machine.travel(now, tick=False):  # the clock stopped: the due time is exactly known
        order = order_placed(shop, tickets=1, meals=0)  # 15 €
        with django_capture_on_commit_callbacks(execute=True):
            payment_start(order=order, provider_id="giro", urls=URLS)
    order.refresh_from_db()
    payment = order.payments.get()
    assert (payment.state, payment.amount_cents) == (PaymentState.PENDING, 1500)
    assert order.expires_at == now + timedelta(days=12)  # the method's days to pay
    assert order_payment_status(order=order) == "transfer"
    assert transfer_due(order=order) == 1500
    instructions = transfer_instructions(order=order)
    assert (instructions["holder"], instructions["iban"], instructions["label"]) == ("Caisse des fêtes", IBAN, "Giro")
    assert instructions["text"] == "Depuis votre caisse."
    assert [m.kind for m in OutboxMessage.objects.all()] == [OutboxKind.TRANSFER_INSTRUCTIONS]
    assert IBAN in mail.outbox[0].body and "15,00" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):  # the money arrives: staff record it
        payment_record_external(order_id=order.pk, method="giro", amount_cents=1500, reference="GIRO 1")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == OrderState.PAID
    assert (order.payments.count(), payment.state) == (1, PaymentState.CONFIRMED)  # the pending one, confirmed


def test_choosing_another_way_cancels_the_pending_one(shop: Shop, giro: PaymentMethodConfig) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", fee_fixed_cents=40)
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="giro", urls=URLS)
    assert transfer_due(order=order) == 1500
    payment_start(order=order, provider_id="transfer", urls=URLS)
    assert list(order.payments.order_by("id").values_list("provider", "state")) == [
        ("giro", PaymentState.CANCELLED), ("transfer", PaymentState.PENDING)]
    assert transfer_due(order=order) == 1540  # the pending one's, its fee included
    assert transfer_instructions(order=order)["label"] == "Virement bancaire"  # the chosen method's


def test_a_new_method_awaiting_an_invoice(shop: Shop, monkeypatch: pytest.MonkeyPatch,
                                          django_capture_on_commit_callbacks: Any) -> None:
    monkeypatch.setitem(registry.PROVIDERS, MandateProvider.identifier, MandateProvider())
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="mandate")
    order = order_placed(shop, tickets=1, meals=0)
    with django_capture_on_commit_callbacks(execute=True):
        payment_start(order=order, provider_id="mandate", urls=URLS)
    order.refresh_from_db()
    assert (order.state, order.expires_at) == (OrderState.AWAITING_INVOICE, None)
    assert order.payments.get().state == PaymentState.PENDING
    assert [m.kind for m in OutboxMessage.objects.all()] == [OutboxKind.INVOICE_REQUESTED]
    with pytest.raises(InvalidInput) as refused:  # nothing is received "by mandate": it pays an invoice
        payment_record_external(order_id=order.pk, method="mandate", amount_cents=1500)
    assert refused.value.code == "method_unknown"

    payment_record_external(order_id=order.pk, method="cheque", amount_cents=1500, reference="CHQ 7")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert list(order.payments.values_list("provider", "state")) == [("mandate", PaymentState.CONFIRMED)]
