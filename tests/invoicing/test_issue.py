"""Invoices for paid orders, credit notes for refunds and cancellations (issue 13, item 2)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.deletion import ProtectedError

from billetterie.core.sequences import sequence_last
from billetterie.invoicing.models import CreditNote, ImmutableDocument, Invoice, InvoicingSettings, VatRegime
from billetterie.invoicing.services import invoice_issue
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import order_cancel
from billetterie.payments.services import payment_record_external, payment_start, refund_create
from tests.factories import URLS, Shop, order_paid, order_placed

pytestmark = pytest.mark.django_db


def invoicing_on(shop: Shop, **values: object) -> InvoicingSettings:
    return InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True, **values)


def test_no_invoice_while_invoicing_is_off(shop: Shop) -> None:
    order = order_paid(shop)
    assert not Invoice.objects.filter(order=order).exists()


def test_a_paid_order_gets_its_invoice_with_the_lines_and_totals(shop: Shop) -> None:
    invoicing_on(shop)
    order = order_paid(shop, method="cash")  # 2 × 15 € + 12 €
    invoice = Invoice.objects.get(order=order)
    assert invoice.number.startswith("F") and invoice.number.endswith("-000001")
    assert invoice.gross_cents == order.total_cents == 4200
    assert invoice.vat_cents == 0 and invoice.net_cents == 4200  # not subject to VAT by default
    assert invoice.mentions["vat"] == "TVA non applicable, art. 293 B du CGI"
    assert [(row["label"], row["quantity"], row["gross_cents"]) for row in invoice.lines] == [
        ("Entrée — Adulte", 2, 3000), ("Repas — Repas complet", 1, 1200)]
    assert invoice.seller["name"] == "Association des étudiants BTS"
    assert invoice.buyer["name"] == "Camille Durand" and invoice.paid_at is not None


def test_vat_is_worked_out_from_prices_including_it(shop: Shop) -> None:
    invoicing_on(shop, vat_regime=VatRegime.SUBJECT, vat_number="FR12345678901")
    shop.ticket.vat_rate_bp = 550
    shop.ticket.save(update_fields=["vat_rate_bp"])
    shop.meal.vat_rate_bp = 1000
    shop.meal.save(update_fields=["vat_rate_bp"])
    order = order_paid(shop)
    invoice = Invoice.objects.get(order=order)
    rates = {row["vat_rate_bp"]: row for row in invoice.vat_breakdown}
    assert rates[550]["gross_cents"] == 3000 and rates[550]["net_cents"] == 2844 and rates[550]["vat_cents"] == 156
    assert rates[1000]["gross_cents"] == 1200 and rates[1000]["net_cents"] == 1091 and rates[1000]["vat_cents"] == 109
    assert invoice.gross_cents == 4200 == invoice.net_cents + invoice.vat_cents
    assert sum(row["net_cents"] for row in invoice.lines) == invoice.net_cents
    assert "vat" not in invoice.mentions


def test_numbers_follow_each_other_per_organiser_and_year(shop: Shop) -> None:
    invoicing_on(shop)
    numbers = [Invoice.objects.get(order=order_paid(shop)).number for _ in range(3)]
    year = numbers[0][1:5]
    assert numbers == [f"F{year}-00000{n}" for n in (1, 2, 3)]


def test_a_rollback_gives_its_number_back(shop: Shop) -> None:
    invoicing_on(shop)
    first = order_placed(shop)
    second = order_placed(shop)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(order_id=first.pk)
        raise RuntimeError("the payment's transaction fails after the numbering")
    assert not Invoice.objects.exists()
    with transaction.atomic():
        invoice = invoice_issue(order_id=second.pk)
    assert invoice is not None and invoice.sequence == 1
    assert sequence_last(organizer_id=shop.organizer.pk, name=f"invoice:{invoice.year}") == 1


def test_an_issued_invoice_is_never_changed_nor_deleted(shop: Shop) -> None:
    invoicing_on(shop)
    invoice = Invoice.objects.get(order=order_paid(shop))
    invoice.gross_cents = 1
    with pytest.raises(ImmutableDocument):
        invoice.save()
    with pytest.raises(ImmutableDocument):
        invoice.delete()
    with pytest.raises(ImmutableDocument):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(ImmutableDocument):
        Invoice.objects.filter(pk=invoice.pk).update(gross_cents=1)
    assert Invoice.objects.get(pk=invoice.pk).gross_cents == 4200


def test_an_invoiced_order_cannot_be_deleted(shop: Shop) -> None:
    invoicing_on(shop)
    order = order_paid(shop)
    with pytest.raises(ProtectedError):
        Order.objects.filter(pk=order.pk).delete()
    with pytest.raises(ProtectedError):
        order.delete()
    assert Order.objects.filter(pk=order.pk).exists()


def test_pay_by_invoice_issues_the_invoice_to_pay_then_marks_it_paid(shop: Shop) -> None:
    invoicing_on(shop, payment_days=15)
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice", enabled=True)
    order = order_placed(shop)
    payment_start(order=order, provider_id="invoice", urls=URLS)
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_INVOICE
    invoice = Invoice.objects.get(order=order)
    assert invoice.paid_at is None and invoice.due_on is not None
    assert (invoice.due_on - invoice.issued_at.date()).days in (14, 15, 16)
    payment_record_external(order_id=order.pk, method="transfer", amount_cents=order.total_cents)
    invoice.refresh_from_db()
    assert invoice.paid_at is not None
    assert Invoice.objects.filter(order=order).count() == 1


def test_cancelling_an_order_awaiting_its_invoice_issues_a_credit_note(shop: Shop) -> None:
    invoicing_on(shop)
    from billetterie.payments.models import PaymentMethodConfig

    PaymentMethodConfig.objects.create(organizer=shop.organizer, provider="invoice", enabled=True)
    order = order_placed(shop)
    payment_start(order=order, provider_id="invoice", urls=URLS)
    order_cancel(order_id=order.pk)
    note = CreditNote.objects.get(order=order)
    invoice = Invoice.objects.get(order=order)
    assert note.invoice == invoice and note.gross_cents == invoice.gross_cents
    assert note.lines == invoice.lines and note.number.startswith("AV")
    assert note.mentions["invoice"] == invoice.number


def test_a_full_refund_issues_a_credit_note_for_all_the_invoice(shop: Shop) -> None:
    invoicing_on(shop)
    order = order_paid(shop, method="cash")
    refund_create(payment=order.payments.get(), amount_cents=order.total_cents)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    note = CreditNote.objects.get(order=order)
    assert note.gross_cents == 4200 and note.cause == "refund"


def test_a_line_refund_credits_that_line_and_a_partial_refund_the_rest(shop: Shop) -> None:
    invoicing_on(shop, vat_regime=VatRegime.SUBJECT, vat_number="FR12345678901")
    shop.meal.vat_rate_bp = 1000
    shop.meal.save(update_fields=["vat_rate_bp"])
    order = order_paid(shop, method="cash")
    meal = order.lines.get(kind="addon")
    payment = order.payments.get()
    refund_create(payment=payment, amount_cents=1200, line_id=meal.pk)
    note = CreditNote.objects.get(order=order)
    assert note.gross_cents == 1200 and [row["vat_rate_bp"] for row in note.lines] == [1000]
    assert note.vat_cents == 109
    refund_create(payment=payment, amount_cents=500)
    second = CreditNote.objects.filter(order=order).order_by("id").last()
    assert second is not None and second.gross_cents == 500 and second.sequence == note.sequence + 1
    assert {row["vat_rate_bp"] for row in second.lines} == {0}  # only the tickets' rate is left
    # a replayed refund event issues nothing more
    from billetterie.invoicing.services import credits_follow

    with transaction.atomic():
        assert credits_follow(order_id=order.pk, refund_id=payment.refunds.last().pk) is None
    assert CreditNote.objects.filter(order=order).count() == 2


def test_a_credit_note_is_immutable_and_protects_its_invoice(shop: Shop) -> None:
    invoicing_on(shop)
    order = order_paid(shop, method="cash")
    refund_create(payment=order.payments.get(), amount_cents=order.total_cents)
    note = CreditNote.objects.get(order=order)
    with pytest.raises(ImmutableDocument):
        note.save()
    with pytest.raises(ImmutableDocument):
        CreditNote.objects.all().delete()
    with pytest.raises(ProtectedError):
        Order.objects.filter(pk=order.pk).delete()


def test_a_test_order_is_invoiced_out_of_the_real_series(shop: Shop) -> None:
    from tests.factories import sandbox_turned_on

    invoicing_on(shop)
    sandbox_turned_on(shop)
    test_order = order_paid(shop, method="sandbox")
    real = order_paid(shop)
    test_invoice = Invoice.objects.get(order=test_order)
    assert test_order.testmode and test_invoice.testmode and test_invoice.number.startswith("TEST-F")
    assert Invoice.objects.get(order=real).sequence == 1  # the real series starts at 1


def test_the_admin_cannot_delete_an_invoiced_order(shop: Shop) -> None:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    invoicing_on(shop)
    order = order_paid(shop)
    client = Client()
    client.force_login(User.objects.create_superuser("ops", "ops@example.org", "un mot de passe solide"))
    assert client.post(reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:orders_order_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"})
    assert Order.objects.filter(pk=order.pk).exists() and Invoice.objects.filter(order=order).exists()
