"""The checker finds what breaks the books' invariants."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from billetterie.ledger import chart
from billetterie.ledger.checks import ledger_violations
from billetterie.ledger.models import Line, Transaction
from billetterie.ledger.services import Entry, post
from billetterie.payments.models import Payment, PaymentState, Refund, RefundState
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, order_placed

pytestmark = [pytest.mark.django_db, pytest.mark.ledger_unchecked]


def _paid(shop: Shop) -> Payment:
    order = order_placed(shop, tickets=1, meals=0)
    return payment_record_external(order_id=order.pk, method="cash", amount_cents=1500)


def test_sound_books_have_no_violation(shop: Shop) -> None:
    payment = _paid(shop)
    refund_create(payment=payment, amount_cents=500)
    assert ledger_violations() == []
    assert ledger_violations(shop.organizer.pk) == []


def test_a_transaction_that_does_not_balance_is_found(shop: Shop) -> None:
    payment = _paid(shop)
    Line.objects.filter(transaction__payment_id=payment.pk, debit_cents__gt=0).update(debit_cents=1501)
    found = ledger_violations()
    assert any("does not balance" in v for v in found), found


def test_a_confirmed_payment_written_without_the_service_is_found(shop: Shop) -> None:
    order = order_placed(shop, tickets=1, meals=0)
    payment = Payment.objects.create(order=order, provider="cash", amount_cents=1500, state=PaymentState.CONFIRMED)
    found = ledger_violations()
    assert f"payment {payment.pk} (confirmed) posted 0 time(s) instead of 1" in found
    assert any(f"order {order.code}" in v and "411" in v for v in found), found


def test_a_payment_posted_twice_is_found(shop: Shop) -> None:
    payment = _paid(shop)
    with transaction.atomic():
        post(organizer_id=shop.organizer.pk, key="again", kind="payment", journal="CA", label="x",
             payment_id=payment.pk, entries=[Entry(chart.CASH, debit_cents=1), Entry(chart.BANK, credit_cents=1)])
    assert f"payment {payment.pk} (confirmed) posted 2 time(s) instead of 1" in ledger_violations()


def test_a_refund_that_fails_behind_the_books_back_is_found(shop: Shop) -> None:
    payment = _paid(shop)
    refund = refund_create(payment=payment, amount_cents=500)
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.FAILED)
    found = ledger_violations()
    assert f"refund {refund.pk} (failed) posted 1 time(s) instead of 0" in found


def test_a_sale_missing_is_found(shop: Shop) -> None:
    payment = _paid(shop)
    Line.objects.filter(transaction__kind="sale").delete()
    Transaction.objects.filter(kind="sale").delete()
    found = ledger_violations()
    assert any("sale posted 0, should be 1500" in v for v in found), found
    assert payment.order.code in " ".join(found)


def test_the_command_says_ok_or_fails(shop: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    payment = _paid(shop)
    call_command("ledger", "check")
    assert "0 violation" in capsys.readouterr().out
    Line.objects.filter(transaction__payment_id=payment.pk, debit_cents__gt=0).update(debit_cents=1)
    with pytest.raises(CommandError):
        call_command("ledger", "check", shop.organizer.slug)
    assert "does not balance" in capsys.readouterr().out
