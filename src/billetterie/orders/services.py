"""Orders: place from a cart (idempotent per cart), create directly (idempotent per key), mark paid
(idempotent), expire, cancel."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from billetterie.capacity.services import (
    holds_count,
    holds_create,
    holds_create_for_lines,
    holds_extend,
    holds_keep,
    holds_lock_counts,
    holds_move_to_line,
    holds_release,
    places_take,
    places_take_counts,
)
from billetterie.cart.models import Cart, CartPosition
from billetterie.cart.services import CartAdd, item_check, items_member_check
from billetterie.catalog.models import EventDate, Price, Product, ProductKind, QuestionKind
from billetterie.catalog.selectors import Visibility, quota_ids_for, quotas_available
from billetterie.core import clock, events
from billetterie.core.audit import audit_record
from billetterie.core.audit import changed as audit_changed
from billetterie.core.errors import Conflict, InvalidInput, SoldOut
from billetterie.core.ids import new_code
from billetterie.core.money import MAX_CENTS, format_money
from billetterie.core.validation import email_is_valid
from billetterie.customers.models import Customer
from billetterie.memberships.prices import VOUCHED, MemberProof
from billetterie.organizers.models import Organizer

from .events import OrderKeptPartPaid, OrderLineRefunded, OrderPaid, OrderRefunded, OrderStateChanged
from .memberships import holder_clean, memberships_cancel_for_lines, memberships_grant_for_order
from .models import Order, OrderLine, OrderState
from .selectors import order_money_kept_cents


@dataclass(frozen=True)
class Person:
    name: str = ""
    email: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    # a membership's member: first_name, last_name, address, postcode, city, birth_date…
    # (orders.memberships.holder_clean); renews_member_id: the member a reminder's link renews
    holder: dict[str, object] = field(default_factory=dict)
    renews_member_id: int | None = None


@dataclass(frozen=True)
class Checkout:
    email: str
    name: str
    locale: str = "fr"
    phone: str = ""
    terms_accepted: bool = False
    people: dict[int, Person] = field(default_factory=dict)  # by cart position id
    # an add-on's cart position id → the ticket position of the attendee it is for (printed on
    # their ticket); an add-on left out gets its own voucher
    addons_for: dict[int, int] = field(default_factory=dict)
    # a sale at the box office: the buyer's and the attendees' emails may be left blank (the
    # tickets are printed there and then; an email given must still be valid), and a date is
    # sold until it ends, to whoever arrives late; the seller sees member cards (member prices)
    at_box_office: bool = False
    # what the buyer proved of their memberships (member prices, checked again at placement)
    member_proof: MemberProof | None = None
    # the buyer's account (issue 12) when they are signed in to the organiser's shop: stored on the
    # order, so that it is listed on their account page
    customer_id: int | None = None


def order_place(*, cart_token: str, checkout: Checkout, placed: Callable[[Order], None] | None = None) -> Order:
    """Turn a cart into a pending order (or a paid one when nothing is due).

    `placed` is what the caller stores with the new order (the shop: a tax receipt request, the
    billing details of an invoice), called in this transaction once the order and its lines
    exist and before a free order is marked paid: what marking it paid issues (its invoice) finds
    it written. Not called when the cart was placed already.

    Idempotent: placing the same cart again returns the first order, so a double click or a
    retried request never makes two orders nor takes places twice."""
    existing = Order.objects.filter(cart_token=cart_token).first()
    if existing is not None:
        return existing
    now = clock.now()
    with transaction.atomic():
        # the cart's row only (`of`): locking its organiser too would make every checkout of the
        # organiser wait on this one, and deadlock with a sale that numbers its tickets (decision 0028)
        cart = Cart.objects.select_for_update(of=("self",)).select_related("organizer").filter(
            token=cart_token).first()
        if cart is None:
            raise InvalidInput(_("Your cart is empty."), code="cart_empty")
        existing = Order.objects.filter(cart_token=cart_token).first()
        if existing is not None:
            return existing
        positions = list(
            cart.positions.select_related("product__event", "price", "date").prefetch_related(
                "product__questions", "product__quotas"
            )
        )
        if not positions:
            raise InvalidInput(_("Your cart is empty."), code="cart_empty")
        _check_addons([p.product for p in positions])
        if any(p.date is not None and p.date.cancelled_at is not None for p in positions):
            raise InvalidInput(_("This date has been cancelled."), code="date_cancelled")
        # a membership may have been cancelled since the item went into the cart
        items_member_check(organizer_id=cart.organizer_id, proof=checkout.member_proof, now=now,
                           items=[CartAdd(product=p.product, price=p.price, date=p.date) for p in positions])
        people = {p.pk: _clean_person(p.product, checkout.people.get(p.pk, Person())) for p in positions}
        _check_attachments(positions, checkout.addons_for)
        expires_at = now + timedelta(minutes=cart.organizer.hold_minutes)
        _secure_holds(positions, now)
        order = _create_order(cart.organizer, checkout, sum(p.amount_cents for p in positions), expires_at,
                              cart_token=cart.token)
        line_of: dict[int, OrderLine] = {}
        for position in positions:
            line = _create_line(order, position.product, position.price, position.date, position.amount_cents,
                                people[position.pk])
            line_of[position.pk] = line
            holds_move_to_line(position_id=position.pk, line_id=line.pk, expires_at=expires_at)
        _attach_addons(line_of, checkout.addons_for)
        CartPosition.objects.filter(pk__in=[p.pk for p in positions]).delete()
        if placed is not None:
            placed(order)
        if order.total_cents == 0:
            order_mark_paid(order_id=order.pk)
            order.refresh_from_db()
    return order


def _check_addons(products: list[Product]) -> None:
    ticket_events = {p.event_id for p in products if p.kind == ProductKind.TICKET}
    for product in products:
        if product.kind == ProductKind.ADDON and not product.addon_standalone:
            if product.event_id not in ticket_events:
                message = _("“%(name)s” can only be bought with a ticket for the same event.")
                raise InvalidInput(message % {"name": product.name}, code="addon_needs_ticket")


def _check_attachments(positions: list[CartPosition], addons_for: dict[int, int]) -> None:
    """Each add-on is attached to a ticket of the same cart and event (a form's choice, checked
    again here: another cart's line or a non-ticket is refused before anything is written)."""
    by_pk = {p.pk: p for p in positions}
    for addon_pk, ticket_pk in addons_for.items():
        addon, ticket = by_pk.get(addon_pk), by_pk.get(ticket_pk)
        if (addon is None or ticket is None or addon.product.kind != ProductKind.ADDON
                or ticket.product.kind != ProductKind.TICKET or ticket.product.event_id != addon.product.event_id):
            raise InvalidInput(_("Choose, for each add-on, one of the tickets of the same event in your cart."),
                               code="addon_attachment_invalid")


def _attach_addons(line_of: dict[int, OrderLine], addons_for: dict[int, int]) -> None:
    addons = []
    for addon_pk, ticket_pk in addons_for.items():
        line = line_of[addon_pk]
        line.attached_to = line_of[ticket_pk]
        addons.append(line)
    OrderLine.objects.bulk_update(addons, ["attached_to"])


def _clean_person(product: Product, person: Person, *, email_optional: bool = False) -> Person:
    if not product.needs_person:
        return Person()
    name, email = person.name.strip(), person.email.strip()
    email_ok = (not email and email_optional) or (email_is_valid(email) and len(email) <= 254)
    if not name or not email_ok:
        raise InvalidInput(
            _("Please give the name and email of each person (“%(name)s”).") % {"name": product.name},
            code="person_required",
        )
    answers: dict[str, str] = {}
    for question in product.questions.all():
        value = (person.answers.get(str(question.pk)) or "").strip()
        if question.kind == QuestionKind.CHOICE and value and value not in question.option_list:
            raise InvalidInput(_("Please choose one of the offered answers."), code="answer_invalid")
        if question.required and not value:
            raise InvalidInput(_("Please answer “%(q)s”.") % {"q": question.label}, code="answer_required")
        if value:
            answers[question.label] = value[:1000]
    holder = holder_clean(product, name, person.holder, renews_member_id=person.renews_member_id)
    return Person(name=name[:200], email=email, answers=answers, holder=holder)


def _secure_holds(positions: list[CartPosition], now: datetime) -> None:
    """Lock every position's holds; a position whose hold ran out, or was reclaimed by the sweeper
    meanwhile, takes its places again if they are still there. Locked holds are skipped by the
    sweeper, so nothing can be released between this check and the order's commit."""
    needed = {p.pk: quota_ids_for(product=p.product, date=p.date) for p in positions}
    held = holds_lock_counts(position_ids=[p.pk for p in positions], valid_at=now)
    for position in positions:
        if held.get(position.pk, 0) == len(needed[position.pk]):
            continue
        holds_release(position_ids=[position.pk], now=now)
        try:
            places_take(quota_ids=needed[position.pk], now=now)
        except SoldOut as exc:
            message = _("Your cart expired and “%(name)s” is no longer available.")
            raise SoldOut(message % {"name": position.product.name}, details=exc.details) from exc
        holds_create(quota_ids=needed[position.pk], position_id=position.pk, expires_at=now)


def _create_order(organizer: Organizer, checkout: Checkout, total_cents: int, expires_at: datetime | None,
                  **extra: object) -> Order:
    if not checkout.terms_accepted:
        raise InvalidInput(_("Please accept the terms of sale."), code="terms")
    email, name = checkout.email.strip(), checkout.name.strip()[:200]
    email_ok = (not email and checkout.at_box_office) or (email_is_valid(email) and len(email) <= 254)
    if not email_ok or not name:
        raise InvalidInput(_("Please give your name and email address."), code="contact_required")
    if total_cents > MAX_CENTS:  # each amount fits its column, their sum may not
        raise InvalidInput(
            _("This order is too large to be paid at once: split it into several orders."), code="order_too_large"
        )
    fields = {
        "organizer": organizer, "email": email, "name": name, "phone": checkout.phone.strip()[:40],
        "locale": checkout.locale, "currency": organizer.currency, "total_cents": total_cents,
        "expires_at": expires_at, "terms_accepted_at": clock.now(),
        "customer_id": _customer_of(organizer, checkout.customer_id), **extra,
    }
    for _attempt in range(10):
        try:
            with transaction.atomic():
                order = Order.objects.create(code=new_code(), **fields)
                _audit(order, "order.placed", {"state": [None, order.state], "total_cents": [None, total_cents]})
                _state_published(order, was="")
                return order
        except IntegrityError as exc:
            if "idempotency" in str(exc).lower():
                raise  # another request with the same key won: let the caller answer with its order
            continue  # the code was taken: draw another
    raise RuntimeError("could not draw a free order code")


def _customer_of(organizer: Organizer, customer_id: int | None) -> int | None:
    """The account an order joins: only one of the organiser's own (a stale or foreign id: none)."""
    if customer_id is None:
        return None
    return Customer.objects.filter(pk=customer_id, organizer=organizer).values_list("pk", flat=True).first()


def _create_line(order: Order, product: Product, price: Price | None, date: EventDate | None, amount_cents: int,
                 person: Person) -> OrderLine:
    return OrderLine.objects.create(**_line_fields(order, product, price, date, amount_cents, person))


def _line_fields(order: Order, product: Product, price: Price | None, date: EventDate | None, amount_cents: int,
                 person: Person) -> dict[str, object]:
    label = product.name if price is None else f"{product.name} — {price.name}"
    return {
        "order": order, "product": product, "price": price, "date": date, "kind": product.kind,
        "label": label[:300], "amount_cents": amount_cents, "attendee_name": person.name,
        "attendee_email": person.email, "answers": person.answers, "holder": person.holder,
        "vat_rate_bp": product.vat_rate_bp,
    }


@dataclass(frozen=True)
class LineSpec:
    """One unit of an order placed directly (API, box office): what, and for whom."""

    item: CartAdd
    person: Person = field(default_factory=Person)


def order_create(*, organizer: Organizer, lines: list[LineSpec], checkout: Checkout, visibility: Visibility,
                 channel: str, idempotency_key: str | None = None, request_hash: str = "",
                 then: Callable[[Order], object] | None = None) -> tuple[Order, bool]:
    """Place an order in one short transaction, without a cart: all its places or none.

    With an idempotency key, a replay returns the first order (and False); the same key with
    another request (another `request_hash`) is refused. Two replays racing each other are
    resolved by the unique key: the loser waits for the winner and returns its order.

    `then(order)` runs in the same transaction (e.g. recording the payment of a box-office sale).
    The places are taken last, right before the commit: the quota rows are the only rows every
    buyer of an event writes, so their locks must be held for as short a time as possible."""
    if idempotency_key:
        existing = _order_for_key(organizer, idempotency_key, request_hash)
        if existing is not None:
            return existing, False
    now = clock.now()
    amounts = _check_lines(organizer, lines, visibility, now, at_door=checkout.at_box_office)
    items_member_check(organizer_id=organizer.pk, items=[spec.item for spec in lines], now=now,
                       proof=VOUCHED if checkout.at_box_office else checkout.member_proof)
    _check_addons([spec.item.product for spec in lines])
    people = [_clean_person(spec.item.product, spec.person, email_optional=checkout.at_box_office) for spec in lines]
    quota_ids = [quota_ids_for(product=spec.item.product, date=spec.item.date) for spec in lines]
    expires_at = now + timedelta(minutes=organizer.hold_minutes)
    try:
        with transaction.atomic():
            # the order row first: it claims the idempotency key before any place is taken
            order = _create_order(organizer, checkout, sum(amounts), expires_at, channel=channel,
                                  idempotency_key=idempotency_key or None, request_hash=request_hash)
            created = OrderLine.objects.bulk_create(
                OrderLine(**_line_fields(order, spec.item.product, spec.item.price, spec.item.date, amount, person))
                for spec, amount, person in zip(lines, amounts, people, strict=True)
            )
            holds_create_for_lines(quota_ids_by_line=[(line.pk, ids) for line, ids in zip(created, quota_ids,
                                                                                       strict=True)],
                                   expires_at=expires_at)
            if order.total_cents == 0:
                order_mark_paid(order_id=order.pk, new_order=order)
            elif then is not None:
                then(order)
            _take_for_lines(quota_ids, now)  # last: see the docstring
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = _order_for_key(organizer, idempotency_key, request_hash)
        if existing is None:
            raise
        return existing, False
    return order, True


def _order_for_key(organizer: Organizer, key: str, request_hash: str) -> Order | None:
    order = Order.objects.filter(organizer=organizer, idempotency_key=key).first()
    if order is not None and order.request_hash != request_hash:
        raise InvalidInput(
            _("This Idempotency-Key was already used with another request."), code="idempotency_key_reused"
        )
    return order


def _check_lines(organizer: Organizer, lines: list[LineSpec], visibility: Visibility, now: datetime,
                 *, at_door: bool = False) -> list[int]:
    if not lines:
        raise InvalidInput(_("An order needs at least one line."), code="lines_required")
    seen: dict[int, int] = {}
    amounts = []
    for spec in lines:
        already = seen.get(spec.item.product.pk, 0)
        amounts.append(item_check(organizer_id=organizer.pk, item=spec.item, visibility=visibility, now=now,
                                  already=already, at_door=at_door))
        seen[spec.item.product.pk] = already + spec.item.quantity
    return amounts


def _take_for_lines(quota_ids: list[list[int]], now: datetime) -> None:
    """Take every line's places at once; when some are missing, say which lines cannot be served."""
    counts: dict[int, int] = {}
    for ids in quota_ids:
        for q in ids:
            counts[q] = counts.get(q, 0) + 1
    try:
        places_take_counts(counts=counts, now=now)
    except SoldOut as exc:
        short = exc.details.get("quota") if isinstance(exc.details, dict) else None
        left = quotas_available(quota_ids=counts)
        per_line = [
            {"line": index, "code": "sold_out", "available": min(left.get(q, 0) for q in ids)}
            for index, ids in enumerate(quota_ids)
            if any(counts[q] > left.get(q, 0) or q == short for q in ids)
        ]
        raise SoldOut(exc.message, details={"lines": per_line}) from exc


def order_mark_paid(*, order_id: int, notify: bool = True, new_order: Order | None = None) -> bool:
    """Make the order's places permanent and publish `OrderPaid` (its confirmation). Idempotent.

    The event is written in this transaction: a crash after the commit cannot lose the email
    (`notify=False`: an API sale that asked for no email).
    `new_order` is the order row this very transaction created (a box-office sale paid at once):
    nobody else can see it yet, so it is used as is rather than locked and read again.
    Returns False when the order had expired and its places are gone: the caller must flag it."""
    with transaction.atomic(savepoint=False):  # nothing inside is caught: no savepoint round trips
        order = new_order if new_order is not None else Order.objects.select_for_update().get(pk=order_id)
        if order.state == OrderState.PAID:
            return True
        lines = list(order.lines.all())
        line_ids = [line.pk for line in lines]
        # a pending order before its due time still holds every place (its holds expire with it):
        # making them permanent is one UPDATE, which also locks them against the sweeper. The
        # sweeper may have released one in the meantime (the due time passed since the check):
        # then fewer holds are kept than the order ever had, and its places are taken again
        still_held = order.state == OrderState.PENDING and order.expires_at and order.expires_at > clock.now()
        kept = holds_keep(line_ids=line_ids) if still_held else 0
        if not still_held or kept < holds_count(line_ids=line_ids):
            prefetch_related_objects(lines, "product__quotas", "date__capacity_quota")
            if not _lines_keep_places(lines):
                return False
            holds_keep(line_ids=line_ids)
        # tickets, and the add-ons attached to no ticket: those get their own voucher, signed alike
        tickets = [line for line in lines if line.kind == ProductKind.TICKET
                   or (line.kind == ProductKind.ADDON and line.attached_to_id is None)]
        for line in tickets:
            line.ticket_nonce = secrets.token_bytes(8)
        OrderLine.objects.bulk_update(tickets, ["ticket_nonce"])
        memberships_grant_for_order(order, lines)  # in this transaction: the card goes with the email
        _state_set(order, "order.paid", OrderState.PAID, paid_at=clock.now())
        events.publish(OrderPaid(order_id=order.pk, send_confirmation=notify))
    return True


def _lines_keep_places(lines: list[OrderLine]) -> bool:
    """Every line still holds its places, or takes them again (a payment after expiry)."""
    now = clock.now()
    # lock the holds that are still there: a buyer reclaiming expired holds skips locked rows, so a
    # place counted here cannot be released and sold again before this transaction commits
    held = holds_lock_counts(line_ids=[line.pk for line in lines])
    for line in lines:
        quota_ids = quota_ids_for(product=line.product, date=line.date)
        if held.get(line.pk, 0) == len(quota_ids):
            continue
        try:
            with transaction.atomic():
                holds_release(line_ids=[line.pk], now=now)
                places_take(quota_ids=quota_ids, now=now)
                holds_create(quota_ids=quota_ids, line_id=line.pk, expires_at=None)
        except SoldOut:
            return False
    return True


def order_expire_due(*, now: datetime | None = None) -> int:
    """Periodic job: unpaid orders past their due time expire and give their places back."""
    now = now or clock.now()
    count = 0
    for order_id in _due_order_ids(now):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            # read again under the lock: paid, cancelled or given a later due date meanwhile (a
            # buyer choosing bank transfer right then) is not expired
            if order.state != OrderState.PENDING or order.expires_at is None or order.expires_at >= now:
                continue
            kept = order_money_kept_cents(order=order)
            if kept > 0:
                _keep_part_paid(order, kept)
                continue
            holds_release(line_ids=_line_ids(order), now=now)
            _state_set(order, "order.expired", OrderState.EXPIRED)
            count += 1
    return count


def _due_order_ids(now: datetime) -> list[int]:
    return list(Order.objects.filter(state=OrderState.PENDING, expires_at__lt=now).values_list("pk", flat=True))


def _keep_part_paid(order: Order, kept_cents: int) -> None:
    """A part-paid order at its due time keeps its places with no due time, as an order awaiting
    its invoice does, and is flagged: releasing them would keep the money and sell the places."""
    holds_keep(line_ids=_line_ids(order))
    _audit(order, "order.kept_part_paid", {"expires_at": [order.expires_at, None]})
    order.expires_at = None
    order.save(update_fields=["expires_at"])
    events.publish(OrderKeptPartPaid(order_id=order.pk, kept_cents=kept_cents))


def order_cancel(*, order_id: int) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state in (OrderState.CANCELLED,):
            return order
        if order.state == OrderState.PAID:
            raise InvalidInput(_("A paid order is cancelled with a refund."), code="order_paid")
        kept = order_money_kept_cents(order=order)
        if kept > 0:  # cancelling would keep the money and give the places away
            raise InvalidInput(
                _("This order has received %(amount)s: refund its payments first, then cancel it.")
                % {"amount": format_money(kept, order.currency)},
                code="order_has_payments",
            )
        holds_release(line_ids=_line_ids(order))
        _state_set(order, "order.cancelled", OrderState.CANCELLED, cancelled_at=clock.now())
    return order


def order_extend_due(*, order_id: int, until: datetime) -> Order:
    """A pending order paid by bank transfer keeps its places until `until` (never shortens)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != OrderState.PENDING or (order.expires_at and order.expires_at >= until):
            return order
        holds_extend(line_ids=_line_ids(order), until=until)
        _audit(order, "order.due_extended", {"expires_at": [order.expires_at, until]})
        order.expires_at = until
        order.save(update_fields=["expires_at"])
    return order


def order_await_invoice(*, order_id: int) -> Order:
    """Pay by invoice (seed 003): the order keeps its places, no due time, until staff record the payment."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state != OrderState.PENDING:
            return order
        holds_keep(line_ids=_line_ids(order))
        _state_set(order, "order.awaiting_invoice", OrderState.AWAITING_INVOICE, audited=("expires_at",),
                   expires_at=None)
    return order


def order_mark_unfulfillable(*, order_id: int) -> Order:
    """Paid after it expired and its places were sold: the money must go back, never silently lost."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state in (OrderState.PENDING, OrderState.EXPIRED, OrderState.AWAITING_INVOICE):
            _state_set(order, "order.paid_unfulfilled", OrderState.PAID_UNFULFILLED)
    return order


# the states an order that received money can be refunded from
REFUNDABLE_STATES = (OrderState.PAID, OrderState.PAID_UNFULFILLED)


def order_mark_refunded(*, order_id: int, release_places: bool = True) -> bool:
    """Everything the order received was given back (the payments domain calls this in the
    transaction of the refund that brought what it keeps to zero): the order is refunded, which
    refuses its tickets everywhere (check-in, the PDFs and wallet passes admit paid orders only),
    and its places go back on sale unless staff chose to keep them (`release_places`; they are
    then released when the order is cancelled). Publishes `OrderRefunded`. Returns False when the
    order was not paid (nothing changes: a part-paid order given its money back stays payable)."""
    with transaction.atomic(savepoint=False):
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state not in REFUNDABLE_STATES:
            return False
        if release_places:
            holds_release(line_ids=_line_ids(order))
        memberships_cancel_for_lines(_line_ids(order))  # their money went back
        _state_set(order, "order.refunded", OrderState.REFUNDED, extra={"places_released": [None, release_places]},
                   refunded_at=clock.now())
        events.publish(OrderRefunded(order_id=order.pk, places_released=release_places))
    return True


def order_line_mark_refunded(*, line_id: int, release_places: bool = True) -> None:
    """A refund covers one line of a paid order (the payments domain calls this in the refund's
    transaction): its ticket is revoked (`OrderLineRefunded`, which the tickets domain answers) and
    its places go back on sale unless staff chose to keep them. The rest of the order is untouched."""
    with transaction.atomic(savepoint=False):
        line = OrderLine.objects.select_related("order").get(pk=line_id)
        order = Order.objects.select_for_update().get(pk=line.order_id)
        if release_places:
            holds_release(line_ids=[line.pk])
        memberships_cancel_for_lines([line.pk])  # a membership line's money went back
        audit_record(action="order_line.refunded", subject=line, organizer_id=order.organizer_id, order_id=order.pk,
                     changes={"places_released": [None, release_places]})
        events.publish(OrderLineRefunded(order_id=order.pk, line_id=line.pk, places_released=release_places))


def order_mark_test(*, order_id: int) -> None:
    """Test money (a payment started in a test mode) counts towards this order: it becomes a test
    order for good (decision 0010), before its tickets are issued. An order already paid is left
    as it is: a live sale never turns into a test one, nor a test one into a live one. Called
    with the order's row locked, by the payments domain."""
    order = Order.objects.filter(pk=order_id, testmode=False).exclude(state=OrderState.PAID).first()
    if order is not None:
        Order.objects.filter(pk=order.pk).update(testmode=True)
        _audit(order, "order.marked_test", {"testmode": [False, True]})


def _line_ids(order: Order) -> list[int]:
    return list(order.lines.values_list("pk", flat=True))


def _state_set(order: Order, action: str, state: str, *, audited: tuple[str, ...] = (),
               extra: dict[str, list[object]] | None = None, **fields: object) -> None:
    """Move the order to `state` (and set `fields`), saved, audited (the state, the before and
    after of the `audited` fields, and `extra`), and told to the books in this transaction."""
    was = order.state
    changes = {"state": [was, state], **{k: [getattr(order, k), fields[k]] for k in audited}, **(extra or {})}
    order.state = state
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["state", *fields])
    _audit(order, action, changes)
    _state_published(order, was=was)


def _state_published(order: Order, *, was: str) -> None:
    events.publish(OrderStateChanged(order_id=order.pk, organizer_id=order.organizer_id, was=was, state=order.state))


def _audit(order: Order, action: str, changes: dict[str, list[object]]) -> None:
    audit_record(action=action, subject=order, organizer_id=order.organizer_id, order_id=order.pk,
                 changes=audit_changed({k: v[0] for k, v in changes.items()}, {k: v[1] for k, v in changes.items()}))


# the orders whose attendees staff may still change (a ticket of a paid order is reissued with it)
ATTENDEE_CHANGE_STATES = (OrderState.PENDING, OrderState.AWAITING_INVOICE, OrderState.PAID)


def order_line_attendee_set(*, line_id: int, name: str, email: str, expected_name: str | None = None,
                            expected_email: str | None = None) -> OrderLine:
    """Staff change the name or email of the person a line is for (a ticket given to a friend, a
    typo). `expected_*`: what the page showed; if the line changed meanwhile (a second submit, a
    colleague), Conflict and nothing changes. Whoever issues the line's ticket calls this in its
    transaction (tickets.services.ticket_attendee_change reissues a paid ticket)."""
    name, email = name.strip()[:200], email.strip()
    if not name:
        raise InvalidInput(_("Give the person's name."), code="name_required")
    if not email_is_valid(email) or len(email) > 254:
        raise InvalidInput(_("Give a valid email address."), code="email_invalid")
    with transaction.atomic():
        line = OrderLine.objects.select_for_update().select_related("order", "product").get(pk=line_id)
        if (expected_name is not None and line.attendee_name != expected_name) or (
            expected_email is not None and line.attendee_email != expected_email
        ):
            raise Conflict(_("This person's details were changed meanwhile: nothing was changed. Check the order "
                             "before trying again."), code="attendee_changed_meanwhile")
        if not (line.product.needs_person or line.attendee_name):
            raise InvalidInput(_("This line is not for a named person."), code="line_not_personal")
        if line.order.state not in ATTENDEE_CHANGE_STATES:
            raise InvalidInput(_("The person of a line can only be changed on an order that is paid or awaiting "
                                 "payment."), code="order_not_changeable")
        if (line.attendee_name, line.attendee_email) == (name, email):
            raise InvalidInput(_("Nothing to change: this is the line's name and email already."),
                               code="attendee_unchanged")
        audit_record(action="order_line.attendee_changed", subject=line, organizer_id=line.order.organizer_id,
                     order_id=line.order_id, changes=audit_changed(
                         {"attendee_name": line.attendee_name, "attendee_email": line.attendee_email},
                         {"attendee_name": name, "attendee_email": email}))
        line.attendee_name, line.attendee_email = name, email
        line.save(update_fields=["attendee_name", "attendee_email"])
    return line
