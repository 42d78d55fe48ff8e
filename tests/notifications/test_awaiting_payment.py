"""Emails of orders awaiting payment: bank transfer instructions, invoice requested (seed 003)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from billetterie.core import clock
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import OrderState
from billetterie.payments.models import PaymentMethodConfig
from billetterie.payments.providers.base import PaymentUrls
from billetterie.payments.services import payment_method_credentials_set, payment_record_external, payment_start
from tests.factories import Shop, order_placed

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")
IBAN, BIC = "FR76 3000 6000 0112 3456 7890 189", "AGRIFRPP"


@pytest.fixture
def transfer(shop: Shop) -> PaymentMethodConfig:
    config = PaymentMethodConfig.objects.create(
        organizer=shop.organizer, provider="transfer", days_to_pay=10, fee_fixed_cents=50,
        instructions="Virement depuis un compte à votre nom.",
    )
    payment_method_credentials_set(config=config, mode="sandbox",
                                   values={"holder": "Association des anciens", "iban": IBAN, "bic": BIC})
    return config


def test_choosing_transfer_emails_the_instructions_once(shop: Shop, transfer: PaymentMethodConfig,
                                                        django_capture_on_commit_callbacks: object) -> None:
    order = order_placed(shop, tickets=2, meals=0, email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_start(order=order, provider_id="transfer", urls=URLS)
    order.refresh_from_db()
    assert [m.kind for m in OutboxMessage.objects.all()] == [OutboxKind.TRANSFER_INSTRUCTIONS]
    [email] = mail.outbox
    assert email.to == ["a@example.org"] and order.code in email.subject
    html = email.alternatives[0][0]  # type: ignore[attr-defined]
    for body in (email.body, html):
        assert IBAN in body and BIC in body and "Association des anciens" in body
        assert "30,50" in body  # 2 × 15 € + the method's 0,50 € fee: what the transfer must bring
        assert order.code in body
        assert "Virement depuis un compte à votre nom." in body
        assert order.expires_at is not None and str(order.expires_at.year) in body
    assert "Référence à indiquer sur le virement" in email.body  # French, the buyer's language

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_start(order=order, provider_id="transfer", urls=URLS)  # chosen again: no second email
    assert len(mail.outbox) == 1 and OutboxMessage.objects.count() == 1


def test_transfer_due_date_is_the_days_to_pay(shop: Shop, transfer: PaymentMethodConfig,
                                              django_capture_on_commit_callbacks: object) -> None:
    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from django.utils.translation import override

    order = order_placed(shop, tickets=1, meals=0)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_start(order=order, provider_id="transfer", urls=URLS)
    order.refresh_from_db()
    assert order.expires_at is not None and order.expires_at > clock.now() + timedelta(days=9)
    with override("fr"):
        due = date_format(localtime(order.expires_at), "DATE_FORMAT")
    assert due in mail.outbox[0].body


def test_other_methods_send_no_instructions(shop: Shop, django_capture_on_commit_callbacks: object) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_start(order=order, provider_id="sandbox", urls=URLS)
    assert not OutboxMessage.objects.exists() and not mail.outbox


def test_invoice_requested_then_payment_received(shop: Shop, django_capture_on_commit_callbacks: object) -> None:
    """Seed 003: the invoice requested email, then the confirmation once staff record the payment."""
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice")
    order = order_placed(shop, tickets=1, meals=0)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_start(order=order, provider_id="invoice", urls=URLS)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_INVOICE
    [email] = mail.outbox
    assert order.code in email.subject and "facture" in email.subject.lower()
    assert "facture" in email.body and "15,00" in email.body
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        payment_record_external(order_id=order.pk, method="transfer", amount_cents=1500, reference="FACT-1")
    assert [m.kind for m in OutboxMessage.objects.order_by("id")] == [OutboxKind.INVOICE_REQUESTED,
                                                                       OutboxKind.ORDER_CONFIRMED]
    assert len(mail.outbox) == 2
