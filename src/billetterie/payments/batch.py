"""Session-wide refunds (issue 11, item 5; seeds 001 and 002): every holder of a date refunded to
the method they paid with — in full with the date cancelled, or a part of every ticket (so much
per ticket, or a percentage of its price) for a show stopped halfway.

A batch (`RefundBatch`) has one item per order (`RefundBatchItem`, unique per batch), processed one
at a time, each in its own transaction that locks the item and the order, plans the refunds from
what the order holds now, and stores them (their references, the payment services' idempotency
keys, derived from the batch and the order) before any payment service is called; the calls
follow the commit. So a double click, a second run, a worker killed midway and retried: an item
already processed is skipped, an item whose refunds were stored has them sent (each at most once
by the payment service: same key), nobody is refunded twice. Every refund writes its audit entry
(the payments services' rules: `_audit_new`, `_refund_started`, `refund_execute`).

An order with tickets on several dates gives back only the lines of this date (and the add-ons of
the event when it keeps no ticket of it on another date); an order all of whose lines are
concerned has its payments refunded in full (their fees included). A method that cannot refund
online (cash, cheque, transfer) leaves a refund "to make by hand" that staff close once paid back.
Unpaid orders of a cancelled date are cancelled (what they received given back). Test orders go
through the same rules: their money is test money."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from billetterie.catalog.models import EventDate, ProductKind
from billetterie.catalog.services import date_cancel
from billetterie.core import audit, clock, events
from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, DomainError, InvalidInput
from billetterie.core.money import format_money
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.services import order_cancel

from .balance import order_balances
from .events import RefundBatchItemByHand
from .models import (
    REFUND_COUNTING_STATES,
    Payment,
    PaymentState,
    Refund,
    RefundBatch,
    RefundBatchItem,
    RefundBatchItemResult,
    RefundBatchItemState,
    RefundBatchKind,
    RefundBatchState,
    RefundState,
)
from .providers.registry import provider_get
from .services import _audit_new, _refund_line, _refund_set, _refund_started, refund_execute

log = logging.getLogger(__name__)

# a batch of at most this many orders is refunded in the staff member's request ("at once");
# a bigger one runs on the money queue's worker while its page shows the progress
INLINE_MAX_ORDERS = 20
# a batch without progress for this long lost its worker (a crash, a restart): the periodic job resumes it
BATCH_STALLED_AFTER = timedelta(minutes=5)
# the orders a batch concerns: paid ones are refunded; a cancelled date's unpaid ones are cancelled
PAID_STATES = (OrderState.PAID,)
UNPAID_STATES = (OrderState.PENDING, OrderState.AWAITING_INVOICE)


# --- planning: what each order gets back --------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One refund to store: so much of one payment, for one line (its ticket revoked) or not."""

    payment_id: int
    amount_cents: int
    line_id: int | None
    by_hand: bool  # the method cannot refund online (or not this part of the payment)


@dataclass
class OrderPlan:
    order: Order
    lines: dict[int, int]  # line id → cents given back for it
    pieces: list[Piece]
    tickets: int  # tickets of the date concerned
    cancel_unpaid: bool = False  # an unpaid order of a cancelled date: cancelled
    note: str = ""  # why nothing is given back

    @property
    def amount_cents(self) -> int:
        return sum(p.amount_cents for p in self.pieces)

    @property
    def by_hand_cents(self) -> int:
        return sum(p.amount_cents for p in self.pieces if p.by_hand)


@dataclass(frozen=True)
class _Paid:
    """A confirmed payment of the order, and what is left of it to refund."""

    payment: Payment
    left_cents: int
    online: bool  # its provider refunds online
    partial: bool  # …also part of it


@dataclass
class _OrderData:
    """What planning an order needs, loaded for many orders in a few queries."""

    lines: dict[int, list[OrderLine]] = field(default_factory=lambda: defaultdict(list))
    line_refunded: set[int] = field(default_factory=set)  # lines a refund was made for
    line_given: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # earlier batches' parts
    kept: dict[int, int] = field(default_factory=dict)
    paid: dict[int, list[_Paid]] = field(default_factory=lambda: defaultdict(list))


def _order_data(orders: list[Order]) -> _OrderData:
    ids = [o.pk for o in orders]
    data = _OrderData()
    for line in OrderLine.objects.filter(order_id__in=ids).select_related("product").order_by("id"):
        data.lines[line.order_id].append(line)
    data.line_refunded = set(Refund.objects.filter(
        payment__order_id__in=ids, line__isnull=False, state__in=REFUND_COUNTING_STATES,
    ).values_list("line_id", flat=True))
    # what earlier part refunds gave back per line (their tickets kept): counted while they count
    counting = RefundBatchItem.objects.filter(order_id__in=ids).filter(
        Q(refunds__state__in=REFUND_COUNTING_STATES)).distinct()
    for item_lines in counting.values_list("lines", flat=True):
        for line_id, cents in (item_lines or {}).items():
            data.line_given[int(line_id)] += int(cents)
    data.kept = {pk: b.kept_cents for pk, b in order_balances(orders=orders).items()}
    payments = list(Payment.objects.filter(order_id__in=ids, state=PaymentState.CONFIRMED).order_by("id"))
    refunded = dict(Refund.objects.filter(payment__in=payments, state__in=REFUND_COUNTING_STATES)
                    .values("payment_id").annotate(total=Sum("amount_cents")).values_list("payment_id", "total"))
    for payment in payments:
        provider = provider_get(payment.provider)
        online = provider is not None and provider.capabilities.refund
        data.paid[payment.order_id].append(_Paid(
            payment, payment.amount_cents - int(refunded.get(payment.pk) or 0), online,
            online and provider is not None and provider.capabilities.partial_refund,
        ))
    return data


def percent_split(amounts: list[int], percent: Decimal) -> list[int]:
    """`percent` of each amount, in cents, adding up to the cent to `percent` of their sum (rounded
    half up): each part is rounded down, then the cents left go to the largest remainders."""
    exact = [Decimal(a) * percent / 100 for a in amounts]
    total = int((Decimal(sum(amounts)) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    parts = [int(x) for x in exact]  # amounts and percentages are positive: int() rounds down
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _line_left(line: OrderLine, data: _OrderData) -> int:
    """What a line may still be given back: its amount less what was given back for it."""
    if line.pk in data.line_refunded:
        return 0
    return max(line.amount_cents - data.line_given.get(line.pk, 0), 0)


def _cancelled_lines(lines: list[OrderLine], date: EventDate) -> list[OrderLine]:
    """The lines a cancelled date takes away: its tickets, and the event's add-ons when the order
    keeps no ticket of that event on another date."""
    tickets = [ln for ln in lines if ln.date_id == date.pk]
    other_dates = any(ln.kind == ProductKind.TICKET and ln.date_id not in (None, date.pk)
                      and ln.product.event_id == date.event_id for ln in lines)
    addons = [] if other_dates else [ln for ln in lines if ln.kind == ProductKind.ADDON
                                     and ln.product.event_id == date.event_id]
    return tickets + addons


def _plan(order: Order, batch: RefundBatch, data: _OrderData) -> OrderPlan:
    lines = data.lines.get(order.pk, [])
    date = batch.date
    tickets = sum(1 for ln in lines if ln.date_id == date.pk and ln.kind == ProductKind.TICKET)
    paid = data.paid.get(order.pk, [])
    kept = data.kept.get(order.pk, 0)
    if order.state in UNPAID_STATES:
        if batch.kind != RefundBatchKind.CANCEL_DATE:
            return OrderPlan(order, {}, [], tickets, note=_("Not paid: nothing to refund."))
        # the whole order is cancelled, what it received given back
        pieces = [_piece(p, p.left_cents, None) for p in paid if p.left_cents > 0]
        return OrderPlan(order, {}, pieces, tickets, cancel_unpaid=True)
    if order.state not in PAID_STATES or kept <= 0:
        return OrderPlan(order, {}, [], tickets, note=_("Already refunded."))
    if batch.kind == RefundBatchKind.CANCEL_DATE:
        concerned = _cancelled_lines(lines, date)
        shares = {ln.pk: _line_left(ln, data) for ln in concerned}
        rest = [ln for ln in lines if ln.pk not in shares and _line_left(ln, data) > 0]
        if not rest:  # nothing else left in the order: its payments go back in full, fees included
            pieces = [_piece(p, p.left_cents, None) for p in paid if p.left_cents > 0]
            return OrderPlan(order, {k: v for k, v in shares.items() if v}, pieces, tickets)
        named = True  # each line's refund names it: its ticket is revoked
    else:
        concerned = [ln for ln in lines if ln.date_id == date.pk and ln.kind == ProductKind.TICKET]
        lefts = [_line_left(ln, data) for ln in concerned]
        if batch.percent is not None:
            parts = percent_split([ln.amount_cents for ln in concerned], batch.percent)
        else:
            parts = [batch.per_ticket_cents or 0] * len(concerned)
        shares = {ln.pk: min(part, left) for ln, part, left in zip(concerned, parts, lefts, strict=True)}
        named = False  # the tickets stay valid
    # never more than the order keeps, then each share taken from the payments in turn
    budget = min(kept, sum(p.left_cents for p in paid))
    for line_id in list(shares):
        shares[line_id] = min(shares[line_id], budget)
        budget -= shares[line_id]
    shares = {k: v for k, v in shares.items() if v > 0}
    if not shares:
        return OrderPlan(order, {}, [], tickets, note=_("Nothing left to refund for this date."))
    return OrderPlan(order, shares, _allocate(paid, shares, named), tickets)


def _piece(paid: _Paid, cents: int, line_id: int | None) -> Piece:
    whole = cents >= paid.payment.amount_cents
    return Piece(paid.payment.pk, cents, line_id, by_hand=not paid.online or (not whole and not paid.partial))


def _allocate(paid: list[_Paid], shares: dict[int, int], named: bool) -> list[Piece]:
    """Take each line's share from the order's payments, those refunding online first; a share
    spread over two payments names its line on the first piece only (a line is refunded once)."""
    left = {p.payment.pk: p.left_cents for p in paid}
    ranked = sorted(paid, key=lambda p: (not p.partial, not p.online, -p.left_cents, p.payment.pk))
    pieces: dict[tuple[int, int | None], int] = {}
    for line_id, cents in shares.items():
        first = True
        for p in ranked:
            if cents <= 0:
                break
            take = min(cents, left[p.payment.pk])
            if take <= 0:
                continue
            key = (p.payment.pk, line_id if named and first else None)
            pieces[key] = pieces.get(key, 0) + take
            left[p.payment.pk] -= take
            cents -= take
            first = False
    by_id = {p.payment.pk: p for p in paid}
    return [_piece(by_id[payment_id], cents, line_id) for (payment_id, line_id), cents in pieces.items()]


# --- preview --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchPreview:
    """What a session-wide refund would do, shown to staff before they confirm."""

    orders: int  # orders given something back
    tickets: int
    amount_cents: int
    test_amount_cents: int  # of which test money
    by_hand_orders: int
    by_hand_cents: int
    unpaid_orders: int  # unpaid orders cancelled with the date
    untouched_orders: int  # orders of the date with nothing left to give back


def _date_orders(date: EventDate, kind: str) -> list[Order]:
    """The orders a batch concerns: paid ones with a line of the date, and for a cancellation the
    unpaid ones too (cancelled with it)."""
    states = PAID_STATES + UNPAID_STATES if kind == RefundBatchKind.CANCEL_DATE else PAID_STATES
    return list(Order.objects.filter(organizer_id=date.event.organizer_id, lines__date=date,
                                     state__in=states).distinct().order_by("id"))


def refund_batch_preview(*, date: EventDate, kind: str, per_ticket_cents: int | None = None,
                         percent: Decimal | None = None) -> BatchPreview:
    """How many orders and tickets a session-wide refund of `date` concerns and how much money."""
    batch = RefundBatch(date=date, kind=kind, per_ticket_cents=per_ticket_cents, percent=percent)
    orders = _date_orders(date, kind)
    data = _order_data(orders)
    plans = [_plan(order, batch, data) for order in orders]
    given = [p for p in plans if p.pieces]
    return BatchPreview(
        orders=len(given), tickets=sum(p.tickets for p in given), amount_cents=sum(p.amount_cents for p in given),
        test_amount_cents=sum(p.amount_cents for p in given if p.order.testmode),
        by_hand_orders=sum(1 for p in given if p.by_hand_cents), by_hand_cents=sum(p.by_hand_cents for p in given),
        unpaid_orders=sum(1 for p in plans if p.cancel_unpaid),
        untouched_orders=sum(1 for p in plans if not p.pieces and not p.cancel_unpaid),
    )


# --- starting and running a batch ---------------------------------------------------------------


def _check_part(per_ticket_cents: int | None, percent: Decimal | None) -> None:
    if (per_ticket_cents is None) == (percent is None):
        raise InvalidInput(_("Give either an amount per ticket or a percentage."), code="part_choice")
    if per_ticket_cents is not None and per_ticket_cents <= 0:
        raise InvalidInput(_("The amount per ticket must be positive."), code="amount_invalid")
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise InvalidInput(_("The percentage must be more than 0 and at most 100."), code="percent_invalid")


def refund_batch_start(*, organizer_id: int, date_id: int, kind: str, key: str, per_ticket_cents: int | None = None,
                       percent: Decimal | None = None, reason: str = "", user_id: int | None = None,
                       run: bool = True, after_batch_id: int | None = None) -> RefundBatch:
    """Start a session-wide refund of one of the organiser's dates: its items (one per order
    concerned) and, for a cancellation, the date cancelled (nothing more sold), in one
    transaction; then the batch runs, in this request when it is small, otherwise on the money
    queue. `key`: the confirmation form's one-time key — the same confirmation sent again (a
    double click, a reload) returns the first batch and starts nothing. `after_batch_id`: the
    latest batch of the date when staff saw the figures they confirm (0: none); if another one
    was started since (a colleague, another tab, with its own key), Conflict and nothing starts —
    a part refund confirmed twice from stale figures would give back twice. Called outside a
    transaction: the batch must be committed before a worker looks for it."""
    if kind not in RefundBatchKind.values:
        raise InvalidInput(_("Unknown kind of refund."), code="kind_unknown")
    if kind == RefundBatchKind.PART:
        _check_part(per_ticket_cents, percent)
    else:
        per_ticket_cents = percent = None
    if not key or len(key) > 64:
        raise InvalidInput(_("This form has expired: open it again."), code="key_missing")
    existing = RefundBatch.objects.filter(organizer_id=organizer_id, key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            date = (EventDate.objects.select_for_update().select_related("event")
                    .filter(pk=date_id, event__organizer_id=organizer_id).first())
            if date is None:
                raise InvalidInput(_("Choose one of your dates."), code="date_unknown")
            if kind == RefundBatchKind.CANCEL_DATE and date.cancelled_at is not None:
                raise Conflict(_("This date is already cancelled: see its refunds below."), code="date_cancelled")
            if after_batch_id is not None and refund_batch_latest_id(date_id=date.pk) != after_batch_id:
                raise Conflict(_("Another refund of this date was started since these figures were shown: "
                                 "check the new figures, then confirm."), code="batch_meanwhile")
            batch = RefundBatch.objects.create(
                organizer_id=organizer_id, date=date, kind=kind, key=key, per_ticket_cents=per_ticket_cents,
                percent=percent, reason=reason.strip()[:300], created_by_id=user_id,
            )
            order_ids = [o.pk for o in _date_orders(date, kind)]
            RefundBatchItem.objects.bulk_create([RefundBatchItem(batch=batch, order_id=pk) for pk in order_ids])
            batch.total_items = len(order_ids)
            batch.save(update_fields=["total_items"])
            if kind == RefundBatchKind.CANCEL_DATE:
                date_cancel(date_id=date.pk)
            audit_record(action="refund_batch.started", subject=batch, organizer_id=organizer_id, changes={
                "kind": [None, kind], "date_id": [None, date.pk], "per_ticket_cents": [None, per_ticket_cents],
                "percent": [None, str(percent) if percent is not None else None], "orders": [None, len(order_ids)],
            })
    except IntegrityError:  # the same confirmation, at the same moment: the other request's batch
        existing = RefundBatch.objects.filter(organizer_id=organizer_id, key=key).first()
        if existing is None:
            raise
        return existing
    if run:
        if batch.total_items <= INLINE_MAX_ORDERS:
            try:
                refund_batch_run(batch_id=batch.pk)
            except DatabaseError:  # the batch says it stopped; staff resume it from its page
                log.warning("session-wide refund %s stopped in the request", batch.pk)
            batch.refresh_from_db()
        else:
            refund_batch_queue(batch_id=batch.pk)
    return batch


def refund_batch_latest_id(*, date_id: int) -> int:
    """The id of the date's latest session-wide refund (0: none yet): what a confirmation page
    carries, so that one started meanwhile is seen (`refund_batch_start`'s `after_batch_id`)."""
    return RefundBatch.objects.filter(date_id=date_id).order_by("-pk").values_list("pk", flat=True).first() or 0


def refund_batch_queue(*, batch_id: int) -> None:
    from .tasks import refund_batch_task

    refund_batch_task(batch_id)


def refund_batch_run(*, batch_id: int) -> RefundBatch:
    """Process the batch's items from where it stands, one order per transaction (see the module's
    docstring). Safe to run twice, at once or after a crash. A database error stops the run (the
    batch says so) and is raised again for the queue's retry."""
    batch = RefundBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.state == RefundBatchState.DONE:
        return batch
    if batch.created_by is None:
        return _batch_run(batch)
    # the refunds are the staff member's who started the batch, for this run only: whoever calls
    # it (a request, the queue, a test) is who acts again afterwards
    with audit.acting_as(audit.staff(batch.created_by)):
        return _batch_run(batch)


def _batch_run(batch: RefundBatch) -> RefundBatch:
    batch_id = batch.pk
    RefundBatch.objects.filter(pk=batch_id).exclude(state=RefundBatchState.DONE).update(
        state=RefundBatchState.RUNNING, updated_at=clock.now(), error="")
    try:
        todo = list(batch.items.exclude(state=RefundBatchItemState.PROCESSED).order_by("pk")
                    .values_list("pk", flat=True))
        for item_id in todo:
            refund_batch_item_process(item_id=item_id)
            _progress(batch_id)
        with transaction.atomic():
            batch = RefundBatch.objects.select_for_update().get(pk=batch_id)
            if batch.state != RefundBatchState.DONE and not batch.items.exclude(
                state=RefundBatchItemState.PROCESSED
            ).exists():
                batch.state, batch.finished_at, batch.updated_at = RefundBatchState.DONE, clock.now(), clock.now()
                batch.items_done = batch.total_items
                batch.save(update_fields=["state", "finished_at", "updated_at", "items_done"])
                audit_record(action="refund_batch.done", subject=batch, organizer_id=batch.organizer_id,
                             changes={"state": [RefundBatchState.RUNNING, RefundBatchState.DONE]})
    except DatabaseError as exc:
        log.exception("session-wide refund %s stopped", batch_id)
        _stopped(batch_id, exc)
        raise
    return batch


def _progress(batch_id: int) -> None:
    done = RefundBatchItem.objects.filter(batch_id=batch_id, state=RefundBatchItemState.PROCESSED).count()
    RefundBatch.objects.filter(pk=batch_id).update(items_done=done, updated_at=clock.now())


def _stopped(batch_id: int, exc: Exception) -> None:
    try:
        RefundBatch.objects.filter(pk=batch_id).exclude(state=RefundBatchState.DONE).update(
            state=RefundBatchState.FAILED, updated_at=clock.now(), error=str(exc)[:300])
    except DatabaseError:  # the database is still away: the batch stays as it was, resumed later
        log.warning("could not mark session-wide refund %s as stopped", batch_id)


def refund_batches_stalled(*, now: datetime | None = None) -> list[int]:
    """Batches whose worker stopped without a word (a crash, a restart): waiting or running with no
    progress for BATCH_STALLED_AFTER. The periodic job runs them again; one stopped by an error
    (after the queue's retries) waits for staff to resume it."""
    before = (now or clock.now()) - BATCH_STALLED_AFTER
    return list(RefundBatch.objects.filter(
        state__in=[RefundBatchState.QUEUED, RefundBatchState.RUNNING], updated_at__lt=before,
    ).values_list("pk", flat=True))


def refund_batch_resume(*, batch_id: int) -> None:
    """Staff resume a stopped batch: it goes on from where it stood."""
    RefundBatch.objects.filter(pk=batch_id, state=RefundBatchState.FAILED).update(
        state=RefundBatchState.QUEUED, updated_at=clock.now(), error="")
    refund_batch_queue(batch_id=batch_id)


def refund_reference(*, batch_id: int, order_id: int, rank: int) -> str:
    """The idempotency key of one refund of a batch: the same batch, order and rank always give the
    same key (a second store of it is refused by the unique reference), and nobody can guess it."""
    message = f"refund-batch:{batch_id}:{order_id}:{rank}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]


def refund_batch_item_process(*, item_id: int) -> RefundBatchItem:
    """One order of a batch: plan and store its refunds (once: the item is locked and marked in
    that transaction), then send the stored ones, then close the item and tell the buyer what the
    refund emails will not (a refund to make by hand, an unpaid order cancelled)."""
    with transaction.atomic():
        item = RefundBatchItem.objects.select_for_update().select_related("batch__date__event").get(pk=item_id)
        if item.state == RefundBatchItemState.PENDING:
            _item_store(item)
    for refund_id in Refund.objects.filter(batch_item_id=item_id, state=RefundState.CREATED).values_list(
        "pk", flat=True
    ):
        refund_execute(refund_id=refund_id)  # one the payment service cannot take now: the sweep sends it
    with transaction.atomic():
        item = RefundBatchItem.objects.select_for_update().get(pk=item_id)
        if item.state == RefundBatchItemState.STORED:
            item.state, item.processed_at = RefundBatchItemState.PROCESSED, clock.now()
            item.save(update_fields=["state", "processed_at"])
            if (item.refunds.filter(state=RefundState.MANUAL).exists()
                    or item.result == RefundBatchItemResult.CANCELLED):
                events.publish(RefundBatchItemByHand(item_id=item.pk, order_id=item.order_id))
    return item


def _item_store(item: RefundBatchItem) -> None:
    """Inside the item's transaction: the order locked and read again, its refunds stored. Its
    confirmed payments are locked first, then the order, as every refund and payment notice
    takes them (order_services._lock): the other way round, a refund from the order's page at
    the same moment would deadlock with this one."""
    batch = item.batch
    list(Payment.objects.select_for_update().filter(order_id=item.order_id, state=PaymentState.CONFIRMED)
         .order_by("-id").values_list("pk", flat=True))
    order = Order.objects.select_for_update().get(pk=item.order_id)
    plan = _plan(order, batch, _order_data([order]))
    reason = batch.reason or (_("Date cancelled: %(date)s") if batch.kind == RefundBatchKind.CANCEL_DATE
                              else _("Part refund of the date %(date)s")) % {"date": str(batch.date)}
    try:
        with transaction.atomic():
            for rank, piece in enumerate(plan.pieces, start=1):
                _refund_store(item, piece, reason, refund_reference(batch_id=batch.pk, order_id=order.pk, rank=rank))
            if plan.cancel_unpaid:
                order_cancel(order_id=order.pk)
    except DomainError as exc:  # a rule refused it (nothing of it stored): reported, the others go on
        item.result, item.message = RefundBatchItemResult.REFUSED, str(exc.message)[:300]
        item.state, item.processed_at = RefundBatchItemState.PROCESSED, clock.now()
        item.save(update_fields=["result", "message", "state", "processed_at"])
        return
    item.amount_cents, item.lines = plan.amount_cents, {str(k): v for k, v in plan.lines.items()}
    if plan.cancel_unpaid:
        item.result = RefundBatchItemResult.CANCELLED
    elif not plan.pieces:
        item.result = RefundBatchItemResult.NOTHING
    item.message = plan.note[:300]
    item.state = RefundBatchItemState.STORED
    item.save(update_fields=["amount_cents", "lines", "result", "message", "state"])


def _refund_store(item: RefundBatchItem, piece: Piece, reason: str, reference: str) -> Refund:
    """One refund of the batch, with the checks of `refund_create`, its audit entry and what it
    does to the order (its line's ticket revoked, the order refunded once it keeps nothing)."""
    payment = Payment.objects.select_for_update().get(pk=piece.payment_id)
    if payment.state != PaymentState.CONFIRMED:
        raise InvalidInput(_("Only a confirmed payment can be refunded."), code="payment_not_confirmed")
    refunded = sum(payment.refunds.filter(state__in=REFUND_COUNTING_STATES).values_list("amount_cents", flat=True))
    if not 0 < piece.amount_cents <= payment.amount_cents - refunded:
        raise InvalidInput(_("The amount must be positive and at most what is left to refund (%(left)s).")
                           % {"left": format_money(payment.amount_cents - refunded, payment.currency)},
                           code="amount_invalid")
    line = _refund_line(payment, piece.line_id, piece.amount_cents) if piece.line_id is not None else None
    refund = Refund.objects.create(
        payment=payment, amount_cents=piece.amount_cents, currency=payment.currency, reason=reason[:300], line=line,
        release_places=True, reference=reference, batch_item=item,
    )
    _audit_new(refund, "refund.created")
    _refund_started(refund)
    provider = provider_get(payment.provider)
    if (provider is not None and provider.capabilities.refund and not provider.capabilities.partial_refund
            and piece.amount_cents < payment.amount_cents):
        # the payment service refunds only whole payments: this part is paid back by hand
        _refund_set(refund, RefundState.MANUAL, message=_("This payment method cannot refund part of a payment: "
                                                          "pay it back by hand, then mark it done."))
    return refund


# --- the report ---------------------------------------------------------------------------------


class Outcome:
    REFUNDED = "refunded"
    SENDING = "sending"
    BY_HAND = "by_hand"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NOTHING = "nothing"
    WAITING = "waiting"


@dataclass(frozen=True)
class ReportRow:
    item: RefundBatchItem
    order: Order
    outcome: str
    amount_cents: int
    refunds: list[Refund]
    note: str
    methods: str  # the names of the methods its refunds go back to

    @property
    def to_hand_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds if r.state == RefundState.MANUAL)

    @property
    def failed_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds if r.state == RefundState.FAILED)


@dataclass(frozen=True)
class BatchReport:
    batch: RefundBatch
    rows: list[ReportRow]

    def of(self, outcome: str) -> list[ReportRow]:
        return [r for r in self.rows if r.outcome == outcome]

    def cents(self, outcome: str) -> int:
        return sum(r.amount_cents for r in self.of(outcome))

    @property
    def refunded_cents(self) -> int:
        return sum(r.amount_cents for r in self.rows if r.outcome in (Outcome.REFUNDED, Outcome.SENDING))

    @property
    def by_hand_cents(self) -> int:
        return sum(r.to_hand_cents for r in self.rows)

    @property
    def failed_cents(self) -> int:
        return sum(r.failed_cents for r in self.of(Outcome.FAILED))

    @property
    def of_refunded(self) -> list[ReportRow]:
        return [r for r in self.rows if r.outcome in (Outcome.REFUNDED, Outcome.SENDING)]

    @property
    def of_by_hand(self) -> list[ReportRow]:
        return self.of(Outcome.BY_HAND)

    @property
    def of_failed(self) -> list[ReportRow]:
        return self.of(Outcome.FAILED)

    @property
    def percent_done(self) -> int:
        total = self.batch.total_items
        return 100 if not total else int(self.batch.items_done * 100 / total)


def _outcome(item: RefundBatchItem, refunds: list[Refund]) -> tuple[str, str]:
    if item.state == RefundBatchItemState.PENDING:
        return Outcome.WAITING, ""
    if item.result == RefundBatchItemResult.REFUSED:
        return Outcome.FAILED, item.message
    if item.result == RefundBatchItemResult.CANCELLED and not refunds:
        return Outcome.CANCELLED, _("Unpaid order cancelled.")
    if not refunds:
        return Outcome.NOTHING, item.message
    states = {r.state for r in refunds}
    failed = [r for r in refunds if r.state == RefundState.FAILED]
    if failed:
        return Outcome.FAILED, failed[0].message or _("The payment service refused the refund.")
    if RefundState.MANUAL in states:
        return Outcome.BY_HAND, ""
    if RefundState.CREATED in states:
        return Outcome.SENDING, _("Waiting for the payment service: sent again automatically.")
    return Outcome.REFUNDED, ""


def refund_batch_report(*, batch: RefundBatch) -> BatchReport:
    """Each order of the batch with its outcome (refunded, to pay back by hand, failed…), from the
    refund rows as they stand now (a refund made by hand and marked done shows as refunded)."""
    items = list(batch.items.select_related("order").order_by("pk"))
    refunds: dict[int, list[Refund]] = defaultdict(list)
    for refund in Refund.objects.filter(batch_item__batch=batch).select_related("payment").order_by("pk"):
        assert refund.batch_item_id is not None
        refunds[refund.batch_item_id].append(refund)
    names = _method_names(batch.organizer_id, {r.payment.provider for rs in refunds.values() for r in rs})
    rows = []
    for item in items:
        mine = refunds.get(item.pk, [])
        outcome, note = _outcome(item, mine)
        counted = sum(r.amount_cents for r in mine if r.state in REFUND_COUNTING_STATES)
        methods = ", ".join(names[p] for p in dict.fromkeys(r.payment.provider for r in mine))
        rows.append(ReportRow(item, item.order, outcome, counted, mine, note, methods))
    return BatchReport(batch, rows)


def _method_names(organizer_id: int, provider_ids: set[str]) -> dict[str, str]:
    """The name staff and buyers know each method by: the organiser's label, or its own name."""
    from .selectors import _method_name, method_config

    names = {}
    for provider_id in provider_ids:
        stored = method_config(organizer_id=organizer_id, provider_id=provider_id)
        names[provider_id] = (stored.label if stored and stored.label else "") or _method_name(provider_id)
    return names


@dataclass(frozen=True)
class DateRow:
    date: EventDate
    orders: int
    tickets: int
    batches: list[RefundBatch]


def refund_dates(*, organizer_id: int) -> list[DateRow]:
    """The organiser's dates with their paid orders and tickets, and the batches already run."""
    dates = list(EventDate.objects.filter(event__organizer_id=organizer_id).select_related("event")
                 .annotate(orders=Count("order_lines__order", distinct=True,
                                        filter=Q(order_lines__order__state__in=PAID_STATES)),
                           tickets=Count("order_lines", filter=Q(order_lines__order__state__in=PAID_STATES,
                                                                 order_lines__kind=ProductKind.TICKET)))
                 .order_by("start"))
    batches: dict[int, list[RefundBatch]] = defaultdict(list)
    for batch in RefundBatch.objects.filter(organizer_id=organizer_id).order_by("-pk"):
        batches[batch.date_id].append(batch)
    return [DateRow(d, d.orders, d.tickets, batches.get(d.pk, [])) for d in dates]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ByHandNotice:
    """What a buyer is told when a session-wide refund reaches their order and no refund email
    says it yet: the date cancelled (or the show stopped), and the money staff pay back by hand,
    or their unpaid order cancelled."""

    order_id: int
    batch_kind: str
    date: str
    event: str
    by_hand_cents: int
    currency: str
    methods: list[str]
    cancelled_unpaid: bool


def refund_batch_item_notice(*, item_id: int) -> ByHandNotice:
    item = RefundBatchItem.objects.select_related("batch__date__event", "order").get(pk=item_id)
    manual = list(item.refunds.filter(state=RefundState.MANUAL).select_related("payment"))
    providers = list(dict.fromkeys(r.payment.provider for r in manual))
    names = _method_names(item.order.organizer_id, set(providers))
    methods = [names[p] for p in providers]
    return ByHandNotice(
        order_id=item.order_id, batch_kind=item.batch.kind, date=str(item.batch.date),
        event=item.batch.date.event.title, by_hand_cents=sum(r.amount_cents for r in manual),
        currency=item.order.currency, methods=methods,
        cancelled_unpaid=item.result == RefundBatchItemResult.CANCELLED,
    )
