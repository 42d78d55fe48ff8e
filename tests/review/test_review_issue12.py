"""Hostile review of issue 12 (members, accounts, contact, attendees, self-service): each test
here failed before the fix it comes with."""

from __future__ import annotations

from datetime import date

import time_machine
from django.utils import timezone

from billetterie.memberships.models import Membership, MembershipState, MembershipType, ValidityRule
from billetterie.memberships.selectors import membership_state
from billetterie.payments.services import refund_create
from tests.factories import Shop, order_paid, sandbox_turned_on

OCTOBER = timezone.make_aware(timezone.datetime(2026, 10, 5, 12))


def _membership_type(shop: Shop) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", rule=ValidityRule.SEASON,
                                         product=shop.membership)


# --- a refunded membership no longer counts --------------------------------------------------------


def test_refunding_a_membership_order_cancels_the_membership(shop: Shop) -> None:
    """Given back its money, a membership must not still open member prices and pass the door."""
    _membership_type(shop)
    sandbox_turned_on(shop)
    with time_machine.travel(OCTOBER, tick=False):
        order = order_paid(shop, tickets=0, meals=0, membership=True, method="sandbox")
        membership = Membership.objects.get()
        assert membership_state(membership, on=date(2026, 11, 1)) == MembershipState.ACTIVE
        payment = order.payments.get()
        refund_create(payment=payment, amount_cents=payment.amount_cents, reason="remboursée")
    membership.refresh_from_db()
    assert membership_state(membership, on=date(2026, 11, 1)) == MembershipState.CANCELLED


def test_refunding_the_membership_line_alone_cancels_it_and_nothing_else(shop: Shop) -> None:
    _membership_type(shop)
    sandbox_turned_on(shop)
    with time_machine.travel(OCTOBER, tick=False):
        order = order_paid(shop, tickets=1, meals=0, membership=True, method="sandbox")
        line = order.lines.get(kind="membership")
        refund_create(payment=order.payments.get(), amount_cents=line.amount_cents, line_id=line.pk)
    order.refresh_from_db()
    assert order.state == "paid"  # the ticket is still bought
    membership = Membership.objects.get()
    assert membership.cancelled_at is not None
