"""Sales, refunds and cancellations reach the journal in their own transactions, signed and
chained; test orders never do; the journal's rows refuse to change or go away."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import transaction

from billetterie.journal.canonical import GENESIS_HASH, entry_hash
from billetterie.journal.handlers import split_by_rate, vat_breakdown, vat_of
from billetterie.journal.keys import signature_valid
from billetterie.journal.models import EntryKind, JournalEntry, JournalReadOnly
from billetterie.journal.services import journal_append
from billetterie.journal.verify import journal_verify
from billetterie.orders.services import order_await_invoice, order_cancel
from billetterie.payments.models import Payment
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid, order_placed, sandbox_turned_on

pytestmark = pytest.mark.django_db


def _entries(shop: Shop) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(organizer=shop.organizer).order_by("sequence"))


def _payload(entry: JournalEntry) -> dict[str, object]:
    return dict(json.loads(entry.body)["payload"])


def test_a_paid_order_is_one_signed_sale_chained_to_the_genesis(shop: Shop) -> None:
    shop.ticket.vat_rate_bp = 550
    shop.ticket.save(update_fields=["vat_rate_bp"])
    order = order_paid(shop, method="cash", tickets=2, meals=1)  # 2 × 15 € at 5.5 %, one 12 € meal at 0 %
    [entry] = _entries(shop)
    assert (entry.sequence, entry.kind, entry.previous_hash) == (1, EntryKind.SALE, GENESIS_HASH)
    assert _payload(entry) == {
        "order": order.code, "currency": "EUR", "total_cents": 4200,
        "vat": {"0": {"ttc_cents": 1200, "vat_cents": 0}, "550": {"ttc_cents": 3000, "vat_cents": 156}},
    }
    assert entry.hash == entry_hash(GENESIS_HASH, entry.body)
    assert signature_valid(entry.key.public_pem, entry.hash, entry.signature)
    assert "Camille" not in entry.body and "acheteur@" not in entry.body  # no personal data, ever


def test_sales_refunds_and_cancellations_follow_each_other_in_one_chain(shop: Shop) -> None:
    first = order_paid(shop, method="cash")
    second = order_paid(shop, method="cheque", tickets=1, meals=0)
    payment = Payment.objects.get(order=first)
    refund_create(payment=payment, amount_cents=1500, reason="Désistement")
    awaiting = order_placed(shop, tickets=1, meals=0)
    order_await_invoice(order_id=awaiting.pk)
    order_cancel(order_id=awaiting.pk)
    never_sold = order_placed(shop, tickets=1, meals=0)
    order_cancel(order_id=never_sold.pk)  # a cart given up is no sale and no cancellation
    entries = _entries(shop)
    assert [(e.sequence, e.kind) for e in entries] == [
        (1, EntryKind.SALE), (2, EntryKind.SALE), (3, EntryKind.REFUND), (4, EntryKind.CANCELLATION)]
    assert [_payload(e)["order"] for e in entries] == [first.code, second.code, first.code, awaiting.code]
    assert _payload(entries[2])["total_cents"] == 1500
    for before, entry in itertools.pairwise(entries):
        assert entry.previous_hash == before.hash
    assert journal_verify(organizer_id=shop.organizer.pk).ok


def test_test_orders_are_never_journaled(shop: Shop, sandbox_notices_inline: object) -> None:
    sandbox_turned_on(shop)
    order_paid(shop, method="sandbox")
    assert _entries(shop) == []


def test_an_entry_rolls_back_with_its_change(shop: Shop) -> None:
    order_paid(shop, method="cash")
    with pytest.raises(RuntimeError), transaction.atomic():
        order_paid(shop, method="cash")
        raise RuntimeError("the change fails after its entry")
    order_paid(shop, method="cash")
    assert [e.sequence for e in _entries(shop)] == [1, 2]  # the number came back: no gap
    assert journal_verify(organizer_id=shop.organizer.pk).ok


def test_entries_refuse_every_change_and_deletion(shop: Shop) -> None:
    order_paid(shop, method="cash")
    [entry] = _entries(shop)
    entry.kind = EntryKind.REFUND
    with pytest.raises(JournalReadOnly):
        entry.save()
    with pytest.raises(JournalReadOnly):
        entry.delete()
    with pytest.raises(JournalReadOnly):
        JournalEntry.objects.filter(pk=entry.pk).update(kind=EntryKind.REFUND)
    with pytest.raises(JournalReadOnly):
        JournalEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(JournalReadOnly):
        JournalEntry.objects.bulk_update([entry], ["kind"])
    assert JournalEntry.objects.get(pk=entry.pk).kind == EntryKind.SALE


def test_floats_are_refused_in_a_payload(shop: Shop) -> None:
    with pytest.raises(TypeError), transaction.atomic():
        journal_append(organizer_id=shop.organizer.pk, kind=EntryKind.SALE, payload={"total": 1.5})


def test_vat_included_in_a_price_and_refunds_split_across_rates() -> None:
    assert vat_of(1500, 2000) == 250  # 15 € at 20 %: 12,50 € + 2,50 €
    assert vat_of(1000, 550) == 52  # 10 € at 5.5 %: 9,479… → 0,52 € of VAT
    assert vat_of(1000, 0) == 0
    assert split_by_rate(1001, {2000: 1500, 550: 1500}) == {2000: 501, 550: 500} or \
        split_by_rate(1001, {2000: 1500, 550: 1500}) == {2000: 500, 550: 501}
    assert sum(split_by_rate(997, {2000: 333, 550: 333, 0: 334}).values()) == 997
    assert vat_breakdown({2000: 1500}) == {"2000": {"ttc_cents": 1500, "vat_cents": 250}}


def test_invoices_and_credit_notes_are_journaled_with_their_numbers(shop: Shop) -> None:
    from billetterie.invoicing.models import CreditNote, Invoice, InvoicingSettings

    InvoicingSettings.objects.create(organizer=shop.organizer, enabled=True)
    order = order_paid(shop, method="cash")
    refund_create(payment=Payment.objects.get(order=order), amount_cents=1200, reason="Repas annulé")
    invoice, note = Invoice.objects.get(order=order), CreditNote.objects.get(order=order)
    by_kind = {e.kind: _payload(e) for e in _entries(shop)}
    assert set(by_kind) == {EntryKind.SALE, EntryKind.INVOICE, EntryKind.REFUND, EntryKind.CREDIT_NOTE}
    assert by_kind[EntryKind.INVOICE]["number"] == invoice.number
    assert by_kind[EntryKind.INVOICE]["total_cents"] == invoice.gross_cents == 4200
    assert by_kind[EntryKind.CREDIT_NOTE]["number"] == note.number
    assert by_kind[EntryKind.CREDIT_NOTE]["invoice_number"] == invoice.number
    assert by_kind[EntryKind.CREDIT_NOTE]["total_cents"] == note.gross_cents == 1200
    assert journal_verify(organizer_id=shop.organizer.pk).ok


def test_a_failed_refund_is_journaled_as_its_reversal(shop: Shop) -> None:
    from billetterie.payments.models import RefundState
    from billetterie.payments.services import _refund_set, refund_row_create

    order = order_paid(shop, method="cash")
    # started, not yet sent: then refused by the payment service, as a provider's answer sets it
    refund = refund_row_create(payment=Payment.objects.get(order=order), amount_cents=1500)
    with transaction.atomic():
        _refund_set(refund, RefundState.FAILED, message="Refusé")
    kinds = [e.kind for e in _entries(shop)]
    assert kinds[-2:] == [EntryKind.REFUND, EntryKind.REFUND_FAILED]
