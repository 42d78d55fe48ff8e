"""Refunds as rows, payments after expiry, bank transfer and invoice, bank statement import."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_expire_due
from billetterie.payments.models import Payment, PaymentMethodConfig, PaymentState, RefundState, StatementLine
from billetterie.payments.providers import registry
from billetterie.payments.providers.base import (
    Capabilities,
    CredentialField,
    PaymentRequest,
    PaymentUrls,
    ProviderConfig,
    Redirect,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)
from billetterie.payments.selectors import order_payment_status
from billetterie.payments.services import (
    StatementResult,
    payment_method_credentials_set,
    payment_record_external,
    payment_start,
    refund_create,
    refund_mark_done,
    statement_import,
)
from tests.factories import Shop, order_placed, payment_confirm

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")


def test_partial_then_full_refund_never_more_than_paid(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment = order.payments.get()
    with pytest.raises(InvalidInput):
        refund_create(payment=payment, amount_cents=100)  # not confirmed yet
    payment_confirm(payment)
    payment.refresh_from_db()
    first = refund_create(payment=payment, amount_cents=1234)
    assert first.state == RefundState.DONE and first.reference
    with pytest.raises(InvalidInput):
        refund_create(payment=payment, amount_cents=3000 - 1234 + 1)
    assert refund_create(payment=payment, amount_cents=3000 - 1234).state == RefundState.DONE
    with pytest.raises(InvalidInput):
        refund_create(payment=payment, amount_cents=1)


def test_box_office_refund_is_manual_until_staff_mark_it_done(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment = payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)
    refund = refund_create(payment=payment, amount_cents=1500)
    assert refund.state == RefundState.MANUAL
    assert refund_mark_done(refund_id=refund.pk).state == RefundState.DONE


def test_paid_after_expiry_with_places_gone_is_unfulfilled_and_refunded(
    shop: Shop, django_capture_on_commit_callbacks: object
) -> None:
    shop.date.capacity = 1
    shop.date.save()
    from billetterie.catalog.services import date_capacity_sync

    date_capacity_sync(date=shop.date)
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment = order.payments.get()
    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        order_expire_due()
        other = order_placed(shop, tickets=1, meals=0)  # takes the only place
        payment_record_external(order_id=other.pk, method="cash", amount_cents=1500)
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            payment_confirm(payment)
    order.refresh_from_db()
    payment.refresh_from_db()
    # paid, unfulfillable, then given all its money back: refunded (issue 10, item 5)
    assert order.state == OrderState.REFUNDED
    assert payment.state == PaymentState.CONFIRMED and payment.needs_attention
    assert payment.refunds.get().state == RefundState.DONE  # the sandbox refunds automatically


def test_paid_after_expiry_with_free_places_takes_them_back(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        order_expire_due()
        payment_confirm(order.payments.get())
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_bank_transfer_waits_then_statement_import_pays_once(shop: Shop) -> None:
    config = PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer", days_to_pay=10)
    payment_method_credentials_set(config=config, mode="sandbox",
                                   values={"holder": "Assoc", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"})
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="transfer", urls=URLS)
    order.refresh_from_db()
    assert order_payment_status(order=order) == "transfer"
    assert order.expires_at and order.expires_at > clock.now() + timedelta(days=9)
    csv = ("\ufeffDate;Libellé;Montant\n"
           f"01/12/2026;VIR SEPA M DUPONT COMMANDE {order.code};15,00\n"
           "01/12/2026;PRLV EDF;-42,10\n"
           "02/12/2026;VIR SANS REFERENCE;10,00\n")
    first = statement_import(organizer_id=shop.organizer.pk, content=csv)
    assert (first.recorded, first.unmatched) == (1, 2)
    again = statement_import(organizer_id=shop.organizer.pk, content=csv)
    assert (again.recorded, again.already_imported) == (0, 3)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.payments.filter(state=PaymentState.CONFIRMED).count() == 1  # the waiting transfer, confirmed
    assert StatementLine.objects.count() == 3
    with pytest.raises(InvalidInput):
        statement_import(organizer_id=shop.organizer.pk, content="a;b\n1;2\n")


def test_two_identical_transfers_on_one_statement_are_two_payments_once(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €, paid in two transfers of 15 € on the same day
    line = f"01/12/2026;VIR M DUPONT {order.code};15,00\n"
    csv = "Date;Libellé;Montant\n" + line + line
    first = statement_import(organizer_id=shop.organizer.pk, content=csv)
    assert first == StatementResult(recorded=2, already_imported=0, unmatched=0, problems=0)
    assert [p.amount_cents for p in order.payments.filter(state=PaymentState.CONFIRMED)] == [1500, 1500]
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    # the same file again, then a later statement that overlaps it: nothing twice, the new line once
    again = statement_import(organizer_id=shop.organizer.pk, content=csv)
    assert again == StatementResult(recorded=0, already_imported=2, unmatched=0, problems=0)
    later = statement_import(organizer_id=shop.organizer.pk, content=csv + "02/12/2026;VIR M DUPONT;15,00\n")
    assert later == StatementResult(recorded=0, already_imported=2, unmatched=1, problems=0)
    assert order.payments.count() == 2
    assert StatementLine.objects.count() == 3


def test_a_line_imported_before_occurrences_counted_is_still_known(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)
    text = f"01/12/2026;VIR {order.code};15,00"
    # a row stored by the earlier import, known by the hash of its text alone
    StatementLine.objects.create(organizer=shop.organizer, line_hash=hashlib.sha256(text.encode()).hexdigest(),
                                 booked_on="01/12/2026", label=f"VIR {order.code}", amount_cents=1500)
    result = statement_import(organizer_id=shop.organizer.pk, content=f"Date;Libellé;Montant\n{text}\n{text}\n")
    assert result == StatementResult(recorded=1, already_imported=1, unmatched=0, problems=0)
    assert [p.amount_cents for p in order.payments.all()] == [1500]


def test_unreadable_amounts_are_lines_to_check_and_debits_stay_unmatched(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    csv = ("Date;Libellé;Montant\n"
           f"01/12/2026;VIR {order.code};1e30\n"
           f"01/12/2026;VIR {order.code};quinze\n"
           "01/12/2026;PRLV EDF;-42,10\n")
    result = statement_import(organizer_id=shop.organizer.pk, content=csv)
    assert result == StatementResult(recorded=0, already_imported=0, unmatched=1, problems=2)
    assert [(line.amount_cents, line.outcome) for line in StatementLine.objects.order_by("id")] == [
        (0, "Montant illisible\u00a0: 1e30"), (0, "Montant illisible\u00a0: quinze"),
        (-4210, "Aucun code de commande dans le libellé, ou pas un crédit."),
    ]
    assert not order.payments.exists()


def test_pay_by_invoice_keeps_the_places_without_expiry(shop: Shop) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice")
    order = order_placed(shop, tickets=1, meals=0)
    payment_start(order=order, provider_id="invoice", urls=URLS)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_INVOICE and order.expires_at is None
    with time_machine.travel(clock.now() + timedelta(days=90), tick=False):
        assert order_expire_due() == 0
    payment_record_external(order_id=order.pk, method="transfer", amount_cents=1500, reference="FACT-1")
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_a_method_not_offered_cannot_be_used(shop: Shop) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="transfer")
    with pytest.raises(InvalidInput):
        payment_start(order=order_placed(shop, tickets=1, meals=0), provider_id="sandbox", urls=URLS)


# --- a card payment started before a part payment: the surplus goes back -------------------------


@dataclass
class WholeRefundsOnly:
    """A PSP that refunds whole payments only (or nothing at all, with refund=False)."""

    identifier: str = "wholepsp"
    name: str = "Whole refunds PSP"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(refund=True, partial_refund=False))
    credential_fields: tuple[CredentialField, ...] = ()
    sent: list[int] = field(default_factory=list)

    def start(self, payment: PaymentRequest, urls: PaymentUrls, config: ProviderConfig) -> Redirect:
        return Redirect("http://127.0.0.1/pay")

    def refund(self, refund: RefundRequest, config: ProviderConfig) -> RefundResult:
        self.sent.append(refund.amount_cents)
        return RefundResult(RefundOutcome.DONE, psp_reference=f"re_{len(self.sent)}")


def _books(order: Order) -> tuple[int, int]:
    """(what confirmed payments brought for the order, what their refunds give back)."""
    received = sum(p.amount_cents - p.fee_cents for p in order.payments.filter(state=PaymentState.CONFIRMED))
    refunded = sum(r.amount_cents for p in order.payments.all() for r in p.refunds.exclude(state=RefundState.FAILED))
    return received, refunded


def test_card_payment_started_before_a_part_payment_gives_the_surplus_back(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    order = order_placed(shop, tickets=2, meals=0)  # 30 €
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    card = order.payments.get()
    assert card.amount_cents == 3000
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)  # at the box office, meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm(card)
    order.refresh_from_db()
    card.refresh_from_db()
    assert order.state == OrderState.PAID
    assert _books(order) == (4000, 1000)
    refund = card.refunds.get()  # from the card: the sandbox refunds part of a payment
    assert (refund.amount_cents, refund.state) == (1000, RefundState.DONE)
    assert refund.reason == "Reçu 10,00\u00a0€ de plus que le total de la commande."
    assert card.needs_attention == ("Reçu 10,00\u00a0€ de plus que le total de la commande. "
                                    "Un remboursement automatique de ce montant a été lancé.")
    assert not order.payments.filter(provider="cash").get().refunds.exists()


def test_the_surplus_leaves_the_card_payments_fee_out(shop: Shop, django_capture_on_commit_callbacks: Any) -> None:
    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="sandbox", fee_fixed_cents=100)
    order = order_placed(shop, tickets=2, meals=0)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    card = order.payments.get()
    assert (card.amount_cents, card.fee_cents) == (3100, 100)
    payment_record_external(order_id=order.pk, method="cheque", amount_cents=1500)
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm(card)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert [(r.amount_cents, r.state) for r in card.refunds.all()] == [(1500, RefundState.DONE)]
    received, refunded = _books(order)
    assert received - refunded == order.total_cents == 3000


def test_a_part_payment_then_a_card_payment_for_the_rest_refunds_nothing(shop: Shop) -> None:
    order = order_placed(shop, tickets=2, meals=0)
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    card = order.payments.get(provider="sandbox")
    assert card.amount_cents == 2000  # what was still due
    payment_confirm(card)
    order.refresh_from_db()
    card.refresh_from_db()
    assert order.state == OrderState.PAID
    assert _books(order) == (3000, 0) and card.needs_attention == ""


@pytest.mark.parametrize("refunds", [True, False])
def test_a_surplus_the_provider_cannot_refund_in_part_is_flagged_with_its_amount(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, refunds: bool
) -> None:
    psp = WholeRefundsOnly(capabilities=Capabilities(refund=refunds, partial_refund=False))
    monkeypatch.setitem(registry.PROVIDERS, psp.identifier, psp)
    order = order_placed(shop, tickets=2, meals=0)
    card = Payment.objects.create(order=order, provider=psp.identifier, amount_cents=3000, currency="EUR")
    payment_record_external(order_id=order.pk, method="cash", amount_cents=1000)
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm(card)
    order.refresh_from_db()
    card.refresh_from_db()
    assert order.state == OrderState.PAID
    assert card.state == PaymentState.CONFIRMED
    assert _books(order) == (4000, 0)
    assert psp.sent == []  # never the whole card payment: the order would be short of 20 €
    assert card.needs_attention == (
        "Reçu 10,00\u00a0€ de plus que le total de la commande. Rendez-le à l'acheteur\u00a0: ce moyen de paiement "
        "ne peut pas rembourser automatiquement une partie d'un paiement.")
