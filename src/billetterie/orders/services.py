"""Orders: place (idempotent per cart), mark paid (idempotent), expire, cancel."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billetterie.cart.models import Cart, CartPosition, Hold
from billetterie.cart.services import holds_release, places_take
from billetterie.catalog.models import ProductKind, QuestionKind
from billetterie.catalog.selectors import quota_ids_for
from billetterie.core import clock
from billetterie.core.errors import InvalidInput, SoldOut
from billetterie.core.ids import new_code

from .models import Order, OrderLine, OrderState


@dataclass(frozen=True)
class Person:
    name: str = ""
    email: str = ""
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkout:
    email: str
    name: str
    locale: str = "fr"
    phone: str = ""
    terms_accepted: bool = False
    people: dict[int, Person] = field(default_factory=dict)  # by cart position id


def order_place(*, cart_token: str, checkout: Checkout) -> Order:
    """Turn a cart into a pending order (or a paid one when nothing is due).

    Idempotent: placing the same cart again returns the first order, so a double click or a
    retried request never makes two orders nor takes places twice."""
    existing = Order.objects.filter(cart_token=cart_token).first()
    if existing is not None:
        return existing
    if not checkout.terms_accepted:
        raise InvalidInput(_("Please accept the terms of sale."), code="terms")
    now = clock.now()
    with transaction.atomic():
        cart = Cart.objects.select_for_update().select_related("organizer").filter(token=cart_token).first()
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
        _check_addons(positions)
        people = {p.pk: _clean_person(p, checkout.people.get(p.pk, Person())) for p in positions}
        expires_at = now + timedelta(minutes=cart.organizer.hold_minutes)
        _renew_expired_holds(positions, now)
        order = _create_order(cart, checkout, positions, expires_at)
        for position in positions:
            line = _create_line(order, position, people[position.pk])
            Hold.objects.filter(position=position, released_at=None).update(
                line=line, position=None, expires_at=expires_at
            )
        CartPosition.objects.filter(pk__in=[p.pk for p in positions]).delete()
        if order.total_cents == 0:
            order_mark_paid(order_id=order.pk)
            order.refresh_from_db()
    return order


def _check_addons(positions: list[CartPosition]) -> None:
    ticket_events = {p.product.event_id for p in positions if p.product.kind == ProductKind.TICKET}
    for p in positions:
        if p.product.kind == ProductKind.ADDON and not p.product.addon_standalone:
            if p.product.event_id not in ticket_events:
                raise InvalidInput(
                    _("“%(name)s” can only be bought with a ticket for the same event.") % {"name": p.product.name},
                    code="addon_needs_ticket",
                )


def _clean_person(position: CartPosition, person: Person) -> Person:
    product = position.product
    if not product.needs_person:
        return Person()
    name, email = person.name.strip(), person.email.strip()
    if not name or not email or "@" not in email:
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
            raise InvalidInput(
                _("Please answer “%(q)s”.") % {"q": question.label}, code="answer_required"
            )
        if value:
            answers[question.label] = value[:1000]
    return Person(name=name[:200], email=email[:254], answers=answers)


def _renew_expired_holds(positions: list[CartPosition], now: datetime) -> None:
    """A position whose hold ran out is taken again if the places are still there."""
    for position in positions:
        if position.expires_at > now:
            continue
        holds_release(holds=position.holds.all(), now=now)
        quota_ids = quota_ids_for(product=position.product, date=position.date)
        try:
            places_take(quota_ids=quota_ids, now=now)
        except SoldOut as exc:
            raise SoldOut(
                _("Your cart expired and “%(name)s” is no longer available.") % {"name": position.product.name},
                details=exc.details,
            ) from exc
        Hold.objects.bulk_create(Hold(quota_id=q, position=position, expires_at=now) for q in quota_ids)


def _create_order(cart: Cart, checkout: Checkout, positions: list[CartPosition], expires_at: datetime) -> Order:
    email, name = checkout.email.strip()[:254], checkout.name.strip()[:200]
    if not email or "@" not in email or not name:
        raise InvalidInput(_("Please give your name and email address."), code="contact_required")
    fields = {
        "organizer": cart.organizer, "email": email, "name": name,
        "phone": checkout.phone.strip()[:40], "locale": checkout.locale, "currency": cart.organizer.currency,
        "total_cents": sum(p.amount_cents for p in positions), "expires_at": expires_at,
        "terms_accepted_at": clock.now(), "cart_token": cart.token,
    }
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Order.objects.create(code=new_code(), **fields)
        except IntegrityError:
            continue  # the code was taken: draw another
    raise RuntimeError("could not draw a free order code")


def _create_line(order: Order, position: CartPosition, person: Person) -> OrderLine:
    label = position.product.name
    if position.price is not None:
        label = f"{label} — {position.price.name}"
    return OrderLine.objects.create(
        order=order, product=position.product, price=position.price, date=position.date,
        kind=position.product.kind, label=label[:300], amount_cents=position.amount_cents,
        attendee_name=person.name, attendee_email=person.email, answers=person.answers,
    )


def order_mark_paid(*, order_id: int) -> bool:
    """Make the order's places permanent and send the confirmation. Idempotent.

    Returns False when the order had expired and its places are gone: the caller must flag it."""
    from billetterie.notifications.services import email_order_confirmed

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state == OrderState.PAID:
            return True
        lines = list(order.lines.select_related("product", "date").prefetch_related("product__quotas"))
        if not _lines_keep_places(order, lines):
            return False
        Hold.objects.filter(line__order=order, released_at=None).update(expires_at=None)
        for line in lines:
            if line.kind == ProductKind.TICKET:
                line.ticket_nonce = secrets.token_bytes(8)
                line.save(update_fields=["ticket_nonce"])
        order.state = OrderState.PAID
        order.paid_at = clock.now()
        order.save(update_fields=["state", "paid_at"])
        transaction.on_commit(lambda: email_order_confirmed(order_id=order.pk))
    return True


def _lines_keep_places(order: Order, lines: list[OrderLine]) -> bool:
    """Every line still holds its places, or takes them again (a payment after expiry)."""
    now = clock.now()
    for line in lines:
        if line.holds.filter(released_at=None).exists():
            continue
        quota_ids = quota_ids_for(product=line.product, date=line.date)
        try:
            with transaction.atomic():
                places_take(quota_ids=quota_ids, now=now)
                Hold.objects.bulk_create(Hold(quota_id=q, line=line, expires_at=None) for q in quota_ids)
        except SoldOut:
            return False
    return True


def order_expire_due(*, now: datetime | None = None) -> int:
    """Periodic job: unpaid orders past their due time expire and give their places back."""
    now = now or clock.now()
    count = 0
    for order_id in Order.objects.filter(state=OrderState.PENDING, expires_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.state != OrderState.PENDING:
                continue
            holds_release(holds=Hold.objects.filter(line__order=order), now=now)
            order.state = OrderState.EXPIRED
            order.save(update_fields=["state"])
            count += 1
    return count


def order_cancel(*, order_id: int) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state in (OrderState.CANCELLED,):
            return order
        if order.state == OrderState.PAID:
            raise InvalidInput(_("A paid order is cancelled with a refund."), code="order_paid")
        holds_release(holds=Hold.objects.filter(line__order=order))
        order.state = OrderState.CANCELLED
        order.cancelled_at = clock.now()
        order.save(update_fields=["state", "cancelled_at"])
    return order
