"""Receipts issued with the payment of a donation, numbered without gap, immutable, cancelled
with a refund, specimens for test orders, yearly summaries (issue 13, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from billetterie.core.sequences import sequence_last
from billetterie.orders.models import Order
from billetterie.orders.services import order_mark_paid
from billetterie.payments.services import payment_record_external, payment_start
from billetterie.taxreceipts.models import PaymentWay, ReceiptKind, ReceiptMode, TaxReceipt
from billetterie.taxreceipts.pdf import receipt_pdf
from billetterie.taxreceipts.selectors import declaration_figures, receipts_of_order
from billetterie.taxreceipts.services import DonorAddress, request_record, settings_update, yearly_receipts_issue
from tests.factories import URLS, Shop, order_placed, payment_confirm, sandbox_turned_on

from .helpers import ELIGIBILITY, pdf_pages, pdf_text, receipts_turned_on

pytestmark = pytest.mark.django_db(transaction=False)

HOME = DonorAddress("12 avenue Jean Jaurès", "46200", "Souillac")


def _donation(shop: Shop, cents: int = 12050, *, mode: str = ReceiptMode.SINGLE, email: str = "donatrice@example.org",
              tickets: int = 1) -> Order:
    order = order_placed(shop, tickets=tickets, meals=0, donation_cents=cents, email=email, name="Camille Durand")
    assert request_record(order=order, mode=mode, donor=HOME) is not None
    return order


def _pay(order: Order, method: str = "cheque") -> None:
    payment_record_external(order_id=order.pk, method=method, amount_cents=order.total_cents)


@pytest.fixture
def receipts_on(shop: Shop) -> Shop:
    receipts_turned_on(shop.organizer)
    return shop


def test_paid_donation_gets_a_receipt_with_its_email_and_pdf(receipts_on: Shop,
                                                              django_capture_on_commit_callbacks: Any) -> None:
    order = _donation(receipts_on)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(order, "cheque")
    [receipt] = receipts_of_order(order_id=order.pk)
    assert (receipt.number, receipt.kind, receipt.testmode) == (1, ReceiptKind.SINGLE, False)
    assert receipt.amount_cents == 12050  # the donation, not the ticket
    assert receipt.amount_words == "cent vingt euros et cinquante centimes"
    assert receipt.payment_ways == [PaymentWay.CHEQUE]
    assert (receipt.donor_name, receipt.donor_postcode, receipt.donor_city) == ("Camille Durand", "46200", "Souillac")
    [email] = [m for m in mail.outbox if receipt.reference in m.subject]
    assert email.to == ["donatrice@example.org"]
    [(name, pdf, kind)] = email.attachments
    assert (name, kind) == (f"recu-fiscal-{receipt.reference}.pdf", "application/pdf")
    text = pdf_text(pdf)
    assert pdf_pages(pdf) == 1  # the Cerfa's sections on one page
    assert "cent vingt euros et cinquante centimes" in text
    assert "Association des étudiants BTS" in text and receipt.reference in text and "Chèque" in text


def test_numbers_follow_each_other_per_organiser(receipts_on: Shop) -> None:
    orders = [_donation(receipts_on, 1000 + i) for i in range(4)]
    for order in orders:
        _pay(order)
    numbers = sorted(TaxReceipt.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    year = TaxReceipt.objects.first().year  # type: ignore[union-attr]
    assert sequence_last(organizer_id=receipts_on.organizer.pk, name=f"taxreceipt:{year}") == 4


def test_a_rolled_back_payment_gives_its_number_back(receipts_on: Shop) -> None:
    from django.db import transaction

    first, second = _donation(receipts_on), _donation(receipts_on, 500)
    with pytest.raises(RuntimeError), transaction.atomic():
        _pay(first)
        raise RuntimeError("crash after the payment")
    assert not TaxReceipt.objects.exists()
    _pay(second)
    assert TaxReceipt.objects.get().number == 1  # no gap: the rolled-back number came back


def test_paying_again_issues_nothing_more(receipts_on: Shop) -> None:
    order = _donation(receipts_on)
    _pay(order)
    order_mark_paid(order_id=order.pk)
    assert TaxReceipt.objects.count() == 1


def test_an_issued_receipt_is_never_changed_nor_deleted(receipts_on: Shop) -> None:
    order = _donation(receipts_on)
    _pay(order)
    receipt = TaxReceipt.objects.get()
    receipt.amount_cents = 1
    with pytest.raises(RuntimeError):
        receipt.save()
    with pytest.raises(RuntimeError):
        receipt.delete()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):  # an order on a receipt cannot be deleted
        Order.objects.filter(pk=order.pk).delete()


def test_no_receipt_without_opt_in(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0, donation_cents=2000)
    assert request_record(order=order, mode=ReceiptMode.SINGLE, donor=HOME) is None
    _pay(order)
    assert not TaxReceipt.objects.exists()


def test_no_request_for_an_order_without_donation(receipts_on: Shop) -> None:
    order = order_placed(receipts_on, tickets=1, meals=0)
    assert request_record(order=order, mode=ReceiptMode.SINGLE, donor=HOME) is None


def test_turned_off_after_the_request_issues_nothing(receipts_on: Shop) -> None:
    order = _donation(receipts_on)
    settings_update(organizer_id=receipts_on.organizer.pk, values={**ELIGIBILITY, "enabled": False})
    _pay(order)
    assert not TaxReceipt.objects.exists()


def test_a_test_order_gets_a_specimen_never_a_real_number(receipts_on: Shop) -> None:
    sandbox_turned_on(receipts_on)
    order = _donation(receipts_on)
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment_confirm(order.payments.get())
    order.refresh_from_db()
    assert order.testmode
    receipt = TaxReceipt.objects.get()
    assert receipt.testmode and receipt.reference.startswith("TEST-")
    assert sequence_last(organizer_id=receipts_on.organizer.pk, name=f"taxreceipt:{receipt.year}") == 0
    assert declaration_figures(organizer_id=receipts_on.organizer.pk, year=receipt.year).count == 0
    # and the next live receipt is number 1
    live = _donation(receipts_on, 700)
    _pay(live, "cash")
    assert TaxReceipt.objects.get(testmode=False).number == 1
    assert "SPÉCIMEN" in pdf_text(receipt_pdf(receipt=receipt))


def test_refunded_order_cancels_its_receipt_and_tells_the_donor(receipts_on: Shop,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    from billetterie.payments.order_services import order_refund

    order = _donation(receipts_on)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(order, "cash")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order_id=order.pk, amount_cents=order.total_cents, reason="annulation")
    receipt = TaxReceipt.objects.get()
    assert receipt.cancellation.reason == "refunded"
    figures = declaration_figures(organizer_id=receipts_on.organizer.pk, year=receipt.year)
    assert (figures.count, figures.total_cents, figures.cancelled_count) == (0, 0, 1)
    [email] = [m for m in mail.outbox if receipt.reference in m.subject]
    assert not email.attachments and "remboursé" in email.body


def test_yearly_summary_gathers_a_donors_donations(receipts_on: Shop) -> None:
    a = _donation(receipts_on, 5000, mode=ReceiptMode.YEARLY, email="Fidele@example.org")
    b = _donation(receipts_on, 3050, mode=ReceiptMode.YEARLY, email="fidele@example.org")
    other = _donation(receipts_on, 1000, mode=ReceiptMode.YEARLY, email="autre@example.org")
    _pay(a, "cash")
    _pay(b, "cheque")
    _pay(other)
    assert not TaxReceipt.objects.exists()  # nothing until staff issue the year's summaries
    year = Order.objects.get(pk=a.pk).paid_at.year  # type: ignore[union-attr]
    issued = yearly_receipts_issue(organizer_id=receipts_on.organizer.pk, donation_year=year)
    assert len(issued) == 2
    summary = next(r for r in issued if r.donor_email.casefold() == "fidele@example.org")
    assert summary.kind == ReceiptKind.YEARLY and summary.amount_cents == 8050
    assert summary.amount_words == "quatre-vingts euros et cinquante centimes"
    assert summary.payment_ways == [PaymentWay.CASH, PaymentWay.CHEQUE]
    assert yearly_receipts_issue(organizer_id=receipts_on.organizer.pk, donation_year=year) == []  # once
    text = pdf_text(receipt_pdf(receipt=summary))
    assert "récapitulatif" in text and "30,50" in text and "quatre-vingts euros et cinquante centimes" in text
