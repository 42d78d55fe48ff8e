"""A hypothesis state machine over carts, orders, payments, refunds, expiry and cancellation: at
every step, sold + held places never exceed the capacity, the quota's counter equals its live
holds, and exactly the lines that keep their places hold them for good: the lines of paid orders
and of refunded orders whose places staff chose to keep, but no line refunded with its places
released."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from billetterie.capacity.models import Hold
from billetterie.cart.models import Cart
from billetterie.cart.services import CartAdd, cart_add, cart_remove, carts_sweep_expired
from billetterie.catalog.models import Quota
from billetterie.catalog.selectors import Visibility
from billetterie.core import clock
from billetterie.core.errors import DomainError
from billetterie.orders.models import Order, OrderLine, OrderState
from billetterie.orders.services import Checkout, Person, order_cancel, order_expire_due, order_place
from billetterie.payments.models import Payment, PaymentState
from billetterie.payments.selectors import payment_refunded_cents, refundable_lines
from billetterie.payments.services import payment_record_external, refund_create
from tests.factories import Shop, shop_create

pytestmark = pytest.mark.django_db(transaction=True)
CAPACITY = 5
MEALS = 3
_slugs = itertools.count()


class CapacityMachine(RuleBasedStateMachine):
    shop: Shop
    start: datetime
    minutes: int

    @initialize()
    def setup(self) -> None:
        self.shop = shop_create(slug=f"m{next(_slugs)}", capacity=CAPACITY, meal_quota=MEALS)
        self.start = clock.now()
        self.minutes = 0
        self.carts: list[Cart] = []
        self.released_lines: set[int] = set()  # refunded on their own, their places released
        self.kept_refunded: set[int] = set()  # orders refunded in full whose places staff kept

    def _at(self) -> time_machine.travel:
        return time_machine.travel(self.start + timedelta(minutes=self.minutes), tick=False)

    @rule(tickets=st.integers(1, 3), meals=st.integers(0, 2))
    def add_to_a_new_cart(self, tickets: int, meals: int) -> None:
        with self._at():
            cart = Cart.objects.create(organizer=self.shop.organizer)
            self.carts.append(cart)
            for item in (
                CartAdd(product=self.shop.ticket, price=self.shop.adult, date=self.shop.date, quantity=tickets),
                CartAdd(product=self.shop.meal, price=self.shop.meal_price, quantity=meals) if meals else None,
            ):
                if item is not None:
                    try:
                        cart_add(cart=cart, item=item, visibility=Visibility())
                    except DomainError:
                        pass

    @rule(index=st.integers(0, 20))
    def remove_one(self, index: int) -> None:
        if not self.carts:
            return
        cart = self.carts[index % len(self.carts)]
        position = cart.positions.first()
        if position is not None:
            with self._at():
                cart_remove(cart=cart, position_id=position.pk)

    @rule(index=st.integers(0, 20))
    def checkout(self, index: int) -> None:
        if not self.carts:
            return
        cart = self.carts[index % len(self.carts)]
        people = {p.pk: Person(name="A", email="a@example.org") for p in cart.positions.all()}
        with self._at():
            try:
                order_place(cart_token=cart.token,
                            checkout=Checkout(email="a@example.org", name="A", terms_accepted=True, people=people))
            except DomainError:
                pass

    @rule(index=st.integers(0, 20))
    def pay(self, index: int) -> None:
        orders = list(Order.objects.filter(organizer=self.shop.organizer, state=OrderState.PENDING))
        if orders:
            order = orders[index % len(orders)]
            with self._at():
                try:
                    payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
                except DomainError:
                    pass

    @rule(tickets=st.integers(1, 2), meal=st.booleans())
    def sell(self, tickets: int, meal: bool) -> None:
        """A whole sale in one step (cart, order, payment): paid orders to refund come often."""
        with self._at():
            cart = Cart.objects.create(organizer=self.shop.organizer)
            try:
                cart_add(cart=cart, item=CartAdd(product=self.shop.ticket, price=self.shop.adult, date=self.shop.date,
                                                 quantity=tickets), visibility=Visibility())
                if meal:
                    cart_add(cart=cart, item=CartAdd(product=self.shop.meal, price=self.shop.meal_price),
                             visibility=Visibility())
                people = {p.pk: Person(name="A", email="a@example.org") for p in cart.positions.all()}
                order = order_place(cart_token=cart.token, checkout=Checkout(
                    email="a@example.org", name="A", terms_accepted=True, people=people))
                payment_record_external(order_id=order.pk, method="cash", amount_cents=order.total_cents)
            except DomainError:
                pass

    def _paid(self, index: int) -> tuple[Order, Payment] | None:
        orders = list(Order.objects.filter(organizer=self.shop.organizer, state=OrderState.PAID).order_by("pk"))
        if not orders:
            return None
        order = orders[index % len(orders)]
        return order, Payment.objects.get(order=order, state=PaymentState.CONFIRMED)

    def _refunded(self, order: Order, release: bool) -> None:
        order.refresh_from_db()
        if order.state == OrderState.REFUNDED and not release:
            self.kept_refunded.add(order.pk)

    @rule(index=st.integers(0, 20), release=st.booleans())
    def refund(self, index: int, release: bool) -> None:
        found = self._paid(index)
        if found is not None:
            order, payment = found
            with self._at():
                refund_create(payment=payment, amount_cents=payment.amount_cents - payment_refunded_cents(
                    payment=payment), release_places=release)
            self._refunded(order, release)

    @rule(index=st.integers(0, 20), which=st.integers(0, 5), release=st.booleans())
    def refund_a_line(self, index: int, which: int, release: bool) -> None:
        found = self._paid(index)
        if found is None:
            return
        order, payment = found
        lines = list(refundable_lines(payment=payment))
        line = lines[which % len(lines)]
        with self._at():
            refund_create(payment=payment, amount_cents=line.amount_cents, line_id=line.pk, release_places=release)
        if release:
            self.released_lines.add(line.pk)
        self._refunded(order, release)

    @rule(index=st.integers(0, 20))
    def cancel(self, index: int) -> None:
        # unpaid orders, and refunded ones (cancelling one releases the places staff kept)
        orders = list(Order.objects.filter(organizer=self.shop.organizer,
                                           state__in=[OrderState.PENDING, OrderState.REFUNDED]))
        if orders:
            order = orders[index % len(orders)]
            with self._at():
                order_cancel(order_id=order.pk)
            self.kept_refunded.discard(order.pk)

    @rule(minutes=st.sampled_from([1, 30, 61, 120]))
    def time_passes(self, minutes: int) -> None:
        self.minutes += minutes

    @rule()
    def jobs_run(self) -> None:
        with self._at():
            carts_sweep_expired()
            order_expire_due()

    @invariant()
    def never_more_than_capacity(self) -> None:
        if not hasattr(self, "shop"):
            return
        for quota in Quota.objects.filter(event=self.shop.event):
            live = Hold.objects.filter(quota=quota, released_at=None).count()
            assert quota.used == live <= quota.size
            sold = Hold.objects.filter(quota=quota, released_at=None, expires_at=None).count()
            keeping = Order.objects.filter(organizer=self.shop.organizer, state=OrderState.PAID) | Order.objects.filter(
                pk__in=self.kept_refunded, state=OrderState.REFUNDED)
            paid_lines = sum(
                1 for o in keeping for line in o.lines.all()
                if _takes(line, quota) and line.pk not in self.released_lines
            )
            assert sold == paid_lines  # every line that keeps its place holds it, no other place is kept for good


def _takes(line: OrderLine, quota: Quota) -> bool:
    own = quota.pk in {q.pk for q in line.product.quotas.all()}
    return own or bool(line.date_id and quota.date_id == line.date_id)


def test_capacity_is_never_exceeded() -> None:
    run_state_machine_as_test(
        CapacityMachine,
        settings=settings(max_examples=25, stateful_step_count=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
