"""Session-wide refunds (issue 11, item 5; seeds 001 and 002): a date cancelled with every holder
refunded to the method they paid with, or a part of every ticket given back; run twice, stopped
halfway and retried, nobody is refunded twice; methods that cannot refund online are reported to
pay back by hand; the parts of a split add up to the cent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import DatabaseError

from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add
from billetterie.catalog.models import EventDate, Quota
from billetterie.catalog.selectors import Visibility
from billetterie.catalog.services import date_capacity_sync
from billetterie.core import clock
from billetterie.core.errors import Conflict, InvalidInput
from billetterie.core.models import AuditEntry
from billetterie.notifications.models import OutboxKind, OutboxMessage
from billetterie.orders.models import Order, OrderState
from billetterie.orders.services import Checkout, Person, order_place
from billetterie.payments import batch as batch_module
from billetterie.payments.balance import order_balance
from billetterie.payments.batch import (
    Outcome,
    percent_split,
    refund_batch_item_process,
    refund_batch_preview,
    refund_batch_report,
    refund_batch_run,
    refund_batch_start,
    refund_batches_stalled,
)
from billetterie.payments.models import (
    Payment,
    Refund,
    RefundBatch,
    RefundBatchItem,
    RefundBatchItemState,
    RefundBatchKind,
    RefundBatchState,
    RefundState,
)
from billetterie.payments.providers.base import EventKind, PaymentUrls, ProviderEvent, RefundOutcome, RefundResult
from billetterie.payments.providers.sandbox import SandboxProvider
from billetterie.payments.services import notice_apply, payment_record_external, payment_start, refund_mark_done
from tests.factories import Shop

pytestmark = pytest.mark.django_db
URLS = PaymentUrls("http://t/r", "http://t/n")
CANCEL, PART = RefundBatchKind.CANCEL_DATE, RefundBatchKind.PART


def _placed(shop: Shop, *items: tuple[EventDate, int], meal: bool = False, email: str = "a@example.org") -> Order:
    cart = Cart.objects.create(organizer=shop.organizer)
    for date, quantity in items:
        cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=date, quantity=quantity),
                 visibility=Visibility())
    if meal:
        cart_add(cart=cart, item=CartAdd(product=shop.meal, price=shop.meal_price), visibility=Visibility())
    people = {p.pk: Person(name="Alex", email="alex@example.org") for p in cart.positions.filter(product=shop.ticket)}
    return order_place(cart_token=cart.token,
                       checkout=Checkout(email=email, name="Alex Martin", terms_accepted=True, people=people))


def _by_card(order: Order) -> Payment:
    payment_start(order=order, provider_id="sandbox", urls=URLS)
    payment = order.payments.get(state="created")
    notice_apply(provider_id="sandbox", organizer_id=order.organizer_id, event=ProviderEvent(
        f"n-{payment.pk}", payment.reference, EventKind.CONFIRMED, payment.amount_cents, "EUR", psp_reference="T"))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return payment


def _card_order(shop: Shop, quantity: int = 1, date: EventDate | None = None, **kw: Any) -> Order:
    order = _placed(shop, (date or shop.date, quantity), **kw)
    _by_card(order)
    return order


def _cash_order(shop: Shop, quantity: int = 1) -> Order:
    order = _placed(shop, (shop.date, quantity))
    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return order


def _other_date(shop: Shop) -> EventDate:
    start = clock.now() + timedelta(days=90)
    date = EventDate.objects.create(event=shop.event, start=start, capacity=50)
    date_capacity_sync(date=date)
    return date


def _refunded(order: Order) -> int:
    return int(order_balance(order=order).refunded_cents)


def _start(shop: Shop, kind: str = CANCEL, key: str = "k1", **kw: Any) -> RefundBatch:
    return refund_batch_start(organizer_id=shop.organizer.pk, date_id=shop.date.pk, kind=kind, key=key, **kw)


def test_cancelling_a_date_refunds_every_holder_to_their_card_once_and_tells_them(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    orders = [_card_order(shop, quantity=q) for q in (1, 2, 3)]
    preview = refund_batch_preview(date=shop.date, kind=CANCEL)
    assert (preview.orders, preview.tickets, preview.amount_cents) == (3, 6, 9000)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = _start(shop)
    assert batch.state == RefundBatchState.DONE and batch.items_done == batch.total_items == 3
    shop.date.refresh_from_db()
    assert shop.date.cancelled_at is not None
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.REFUNDED and _refunded(order) == order.total_cents
        assert all(r.state == RefundState.DONE for r in Refund.objects.filter(payment__order=order))
    assert Quota.objects.get(date=shop.date).used == 0
    report = refund_batch_report(batch=batch)
    assert [r.outcome for r in report.rows] == [Outcome.REFUNDED] * 3 and report.refunded_cents == 9000
    # each buyer is told once, by the refund email saying the date was cancelled
    refund_mails = [m for m in mail.outbox if "Remboursement" in m.subject]
    assert len(refund_mails) == 3
    assert "a annulé JIP 2027" in refund_mails[0].body
    # the same confirmation again (a double click), and the batch run again: nothing more
    assert _start(shop).pk == batch.pk
    refund_batch_run(batch_id=batch.pk)
    assert Refund.objects.count() == 3
    # every refund has its audit entry, and the batch its own
    assert AuditEntry.objects.filter(action="refund.created").count() == 3
    assert AuditEntry.objects.filter(action="refund_batch.started", subject_id=batch.pk).exists()
    assert AuditEntry.objects.filter(action="date.cancelled", subject_id=shop.date.pk).exists()


def test_a_cancelled_date_is_sold_no_more(shop: Shop) -> None:
    cart = Cart.objects.create(organizer=shop.organizer)
    cart_add(cart=cart, item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date), visibility=Visibility())
    _start(shop)
    shop.date.refresh_from_db()  # as the shop's next page reads it
    with pytest.raises(InvalidInput) as refused:
        cart_add(cart=Cart.objects.create(organizer=shop.organizer),
                 item=CartAdd(product=shop.ticket, price=shop.adult, date=shop.date), visibility=Visibility())
    assert refused.value.code == "date_cancelled"
    people = {p.pk: Person(name="Alex", email="alex@example.org") for p in cart.positions.all()}
    with pytest.raises(InvalidInput):  # a cart filled before the cancellation
        order_place(cart_token=cart.token, checkout=Checkout(email="a@example.org", name="A", terms_accepted=True,
                                                           people=people))
    with pytest.raises(Conflict):  # cancelling it again, from another page
        _start(shop, key="k2")


def test_a_worker_dying_halfway_and_the_retry_refund_everybody_once(shop: Shop, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    orders = [_card_order(shop) for _ in range(4)]
    batch = _start(shop, run=False)
    real = batch_module.refund_batch_item_process
    calls = {"n": 0}

    def dies_on_the_third(*, item_id: int) -> RefundBatchItem:
        calls["n"] += 1
        if calls["n"] == 3:
            raise DatabaseError("server closed the connection unexpectedly")
        return real(item_id=item_id)

    monkeypatch.setattr(batch_module, "refund_batch_item_process", dies_on_the_third)
    with pytest.raises(DatabaseError):
        refund_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == RefundBatchState.FAILED and batch.items_done == 2
    monkeypatch.setattr(batch_module, "refund_batch_item_process", real)
    # the queue's retry goes on from where it stood, and a second run changes nothing
    refund_batch_run(batch_id=batch.pk)
    refund_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.state == RefundBatchState.DONE and batch.items_done == 4
    for order in orders:
        assert Refund.objects.filter(payment__order=order).count() == 1
        assert _refunded(order) == 1500


def test_a_batch_whose_worker_was_killed_is_resumed_by_the_periodic_job(shop: Shop) -> None:
    order = _card_order(shop)
    batch = _start(shop, run=False)
    RefundBatch.objects.filter(pk=batch.pk).update(state=RefundBatchState.RUNNING)  # SIGKILL: no word said
    assert refund_batches_stalled() == []
    assert refund_batches_stalled(now=clock.now() + timedelta(minutes=6)) == [batch.pk]
    from billetterie.payments.tasks import refund_batches_resume

    with time_machine.travel(clock.now() + timedelta(minutes=6)):
        refund_batches_resume.call_local()
    batch.refresh_from_db()
    assert batch.state == RefundBatchState.DONE and _refunded(order) == 1500


def test_staff_resume_a_batch_stopped_by_an_error(shop: Shop) -> None:
    order = _card_order(shop)
    batch = _start(shop, run=False)
    RefundBatch.objects.filter(pk=batch.pk).update(state=RefundBatchState.FAILED, error="database away")
    assert refund_batches_stalled(now=clock.now() + timedelta(minutes=6)) == []  # waits for staff
    batch_module.refund_batch_resume(batch_id=batch.pk)  # the queue runs it (inline in the tests)
    batch.refresh_from_db()
    assert batch.state == RefundBatchState.DONE and _refunded(order) == 1500


def test_refunds_stored_before_a_crash_are_sent_once_by_the_next_run(shop: Shop, monkeypatch: pytest.MonkeyPatch
                                                                    ) -> None:
    order = _card_order(shop)
    batch = _start(shop, run=False)
    item = batch.items.get()
    sent: list[str] = []
    real_refund = SandboxProvider.refund

    def crash_after_storing(self: SandboxProvider, refund: Any, config: Any) -> RefundResult:
        raise KeyboardInterrupt  # the worker killed right after the commit that stored the refund

    monkeypatch.setattr(SandboxProvider, "refund", crash_after_storing)
    with pytest.raises(KeyboardInterrupt):
        refund_batch_item_process(item_id=item.pk)
    item.refresh_from_db()
    stored = Refund.objects.get(payment__order=order)
    assert item.state == RefundBatchItemState.STORED and stored.state == RefundState.CREATED

    def counting(self: SandboxProvider, refund: Any, config: Any) -> RefundResult:
        sent.append(refund.reference)
        return real_refund(self, refund, config)

    monkeypatch.setattr(SandboxProvider, "refund", counting)
    refund_batch_run(batch_id=batch.pk)
    refund_batch_run(batch_id=batch.pk)
    assert sent == [stored.reference]  # the same idempotency key, sent once
    assert Refund.objects.filter(payment__order=order).count() == 1
    stored.refresh_from_db()
    assert stored.state == RefundState.DONE


def test_the_refund_key_derives_from_the_batch_and_the_order(shop: Shop) -> None:
    order = _card_order(shop)
    batch = _start(shop)
    refund = Refund.objects.get(payment__order=order)
    assert refund.reference == batch_module.refund_reference(batch_id=batch.pk, order_id=order.pk, rank=1)
    assert refund.batch_item is not None and refund.batch_item.batch_id == batch.pk


def test_cash_is_reported_to_pay_back_by_hand_and_the_buyer_told(shop: Shop, django_capture_on_commit_callbacks: Any
                                                                  ) -> None:
    card = _card_order(shop)
    cash = _cash_order(shop, quantity=2)
    preview = refund_batch_preview(date=shop.date, kind=CANCEL)
    assert (preview.by_hand_orders, preview.by_hand_cents) == (1, 3000)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = _start(shop)
    report = refund_batch_report(batch=batch)
    [by_hand] = report.of(Outcome.BY_HAND)
    assert by_hand.order.pk == cash.pk and by_hand.to_hand_cents == 3000
    assert [r.order.pk for r in report.of(Outcome.REFUNDED)] == [card.pk]
    # the cash buyer hears about the cancellation now, the refund email once staff paid back
    notices = OutboxMessage.objects.filter(kind=OutboxKind.BATCH_REFUND_NOTICE)
    assert [m.order_id for m in notices] == [cash.pk]
    [notice_mail] = [m for m in mail.outbox if "Date annulée" in m.subject]
    assert "30,00" in notice_mail.body and "Espèces" in notice_mail.body
    with django_capture_on_commit_callbacks(execute=True):
        refund_mark_done(refund_id=by_hand.refunds[0].pk)
    assert refund_batch_report(batch=batch).of(Outcome.REFUNDED)[-1].order.pk == cash.pk
    assert OutboxMessage.objects.filter(kind=OutboxKind.REFUND_ISSUED, order=cash).count() == 1


def test_a_refund_the_payment_service_refuses_is_reported_failed(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = _card_order(shop)
    refused = _card_order(shop)
    refused_ref = batch_module.refund_reference
    monkeypatch.setattr(SandboxProvider, "refund", lambda self, refund, config: (
        RefundResult(RefundOutcome.FAILED, message="Carte expirée")
        if refund.reference.startswith(refused_ref(batch_id=RefundBatch.objects.get().pk, order_id=refused.pk,
                                                   rank=1))
        else RefundResult(RefundOutcome.DONE, psp_reference="X")))
    batch = _start(shop)
    report = refund_batch_report(batch=batch)
    [failed] = report.of(Outcome.FAILED)
    assert failed.order.pk == refused.pk and failed.note == "Carte expirée"
    assert [r.order.pk for r in report.of(Outcome.REFUNDED)] == [ok.pk]
    assert batch.state == RefundBatchState.DONE


def test_an_order_on_two_dates_gives_back_only_the_lines_of_the_cancelled_one(shop: Shop) -> None:
    other = _other_date(shop)
    order = _placed(shop, (shop.date, 2), (other, 1), meal=True)
    _by_card(order)
    batch = _start(shop)
    order.refresh_from_db()
    refunds = list(Refund.objects.filter(payment__order=order))
    assert order.state == OrderState.PAID  # the other date's ticket still admits
    assert sorted(r.line.date_id for r in refunds if r.line) == [shop.date.pk, shop.date.pk]
    assert sum(r.amount_cents for r in refunds) == 3000  # two tickets; the meal goes with the other date
    assert order.lines.filter(date=other).get().ticket_nonce is not None
    assert refund_batch_report(batch=batch).rows[0].outcome == Outcome.REFUNDED


def test_an_order_entirely_on_the_date_has_its_meal_refunded_too(shop: Shop) -> None:
    order = _card_order(shop, quantity=1, meal=True)
    _start(shop)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and _refunded(order) == order.total_cents


def test_unpaid_orders_of_a_cancelled_date_are_cancelled(shop: Shop, django_capture_on_commit_callbacks: Any) -> None:
    pending = _placed(shop, (shop.date, 1))
    with django_capture_on_commit_callbacks(execute=True):
        batch = _start(shop)
    pending.refresh_from_db()
    assert pending.state == OrderState.CANCELLED
    assert refund_batch_report(batch=batch).rows[0].outcome == Outcome.CANCELLED
    assert OutboxMessage.objects.filter(kind=OutboxKind.BATCH_REFUND_NOTICE, order=pending).count() == 1


def test_test_orders_are_refunded_like_the_others_as_test_money(shop: Shop) -> None:
    order = _card_order(shop)  # the built-in sandbox: test money
    assert order.testmode
    preview = refund_batch_preview(date=shop.date, kind=CANCEL)
    assert preview.test_amount_cents == preview.amount_cents == 1500
    _start(shop)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED


@pytest.mark.parametrize("amounts,percent", [
    ([1000, 1000, 1000], Decimal("33.33")), ([1500, 1000, 1], Decimal("50")), ([999, 1, 1, 1], Decimal("12.5")),
    ([1234] * 7, Decimal("66.67")), ([1], Decimal("100")),
])
def test_percentage_parts_add_up_to_the_cent(amounts: list[int], percent: Decimal) -> None:
    parts = percent_split(amounts, percent)
    total = (Decimal(sum(amounts)) * percent / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    assert sum(parts) == int(total)
    assert all(0 <= part <= amount for part, amount in zip(parts, amounts, strict=True))
    assert max(parts) - min(parts) <= 1 or len(set(amounts)) > 1


def test_a_part_of_every_ticket_by_percentage_adds_up_and_keeps_the_tickets(shop: Shop) -> None:
    orders = [_card_order(shop, quantity=3), _card_order(shop, quantity=1)]
    preview = refund_batch_preview(date=shop.date, kind=PART, percent=Decimal("33.33"))
    assert preview.amount_cents == 1500 + 500  # 33,33 % of 45,00 € and of 15,00 €, each rounded to the cent
    batch = _start(shop, kind=PART, percent=Decimal("33.33"))
    shop.date.refresh_from_db()
    assert shop.date.cancelled_at is None  # the show took place: the date stays
    for order, expected in zip(orders, (1500, 500), strict=True):
        order.refresh_from_db()
        item = RefundBatchItem.objects.get(batch=batch, order=order)
        assert order.state == OrderState.PAID and _refunded(order) == expected == item.amount_cents
        assert sum(item.lines.values()) == expected and sorted(item.lines.values()) in ([500, 500, 500], [500])
        assert not Refund.objects.filter(payment__order=order, line__isnull=False).exists()  # tickets kept


def test_a_part_by_amount_never_gives_more_than_what_is_left_of_a_ticket(shop: Shop) -> None:
    order = _card_order(shop, quantity=2)
    first = _start(shop, kind=PART, per_ticket_cents=1000)
    assert _refunded(order) == 2000 and first.items.get().lines == {
        str(line.pk): 1000 for line in order.lines.all()}
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    second = _start(shop, kind=PART, per_ticket_cents=1000, key="k2")  # each ticket had 5,00 € left
    assert _refunded(order) == 3000 and second.items.get().amount_cents == 1000
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED  # nothing kept any more
    third = _start(shop, kind=PART, per_ticket_cents=100, key="k3")
    assert third.total_items == 0 and _refunded(order) == 3000


def test_a_cancellation_after_a_part_refund_gives_back_what_is_left(shop: Shop) -> None:
    other = _other_date(shop)
    order = _placed(shop, (shop.date, 2), (other, 1))
    _by_card(order)
    _start(shop, kind=PART, percent=Decimal("50"))
    assert _refunded(order) == 1500
    _start(shop, key="k2")
    order.refresh_from_db()
    # the two tickets of the date had 7,50 € left each; the other date's ticket stays paid
    assert _refunded(order) == 3000 and order.state == OrderState.PAID


def test_part_refunds_are_refused_with_a_reason(shop: Shop) -> None:
    with pytest.raises(InvalidInput):
        _start(shop, kind=PART)
    with pytest.raises(InvalidInput):
        _start(shop, kind=PART, percent=Decimal("0"))
    with pytest.raises(InvalidInput):
        _start(shop, kind=PART, percent=Decimal("120"))
    with pytest.raises(InvalidInput):
        _start(shop, kind=PART, per_ticket_cents=500, percent=Decimal("10"))
    assert not RefundBatch.objects.exists()


def test_a_big_batch_runs_on_the_money_queue(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(batch_module, "INLINE_MAX_ORDERS", 1)
    monkeypatch.setattr(batch_module, "refund_batch_queue", lambda *, batch_id: queued.append(batch_id))
    _card_order(shop)
    _card_order(shop)
    batch = _start(shop)
    assert queued == [batch.pk] and batch.state == RefundBatchState.QUEUED and batch.items_done == 0
    from billetterie.payments.tasks import refund_batch_task

    refund_batch_task.call_local(batch.pk)
    batch.refresh_from_db()
    assert batch.state == RefundBatchState.DONE and Refund.objects.count() == 2


def test_another_organisers_date_cannot_be_cancelled(shop: Shop) -> None:
    from tests.factories import shop_create

    other = shop_create(slug="autre")
    with pytest.raises(InvalidInput):
        refund_batch_start(organizer_id=shop.organizer.pk, date_id=other.date.pk, kind=CANCEL, key="x")
    other.date.refresh_from_db()
    assert other.date.cancelled_at is None


def test_the_shop_shows_a_cancelled_date_and_sells_it_no_more(shop: Shop, client: Any) -> None:
    from django.urls import reverse

    _start(shop)
    url = reverse("shop:event", args=[shop.organizer.slug, shop.event.slug])
    page = client.get(url)
    assert page.status_code == 200 and "(annulée)" in page.content.decode()
    added = client.post(url, {f"qty_{shop.adult.pk}": "1"})
    assert added.status_code == 422 and "Cette date a été annulée" in added.content.decode()
    assert not Cart.objects.filter(positions__isnull=False).exists()
