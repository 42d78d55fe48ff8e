"""Memberships as records (issue 12 item 1): the validity rules, early renewal, member numbers
(unique under concurrent grants), a grant idempotent per order line, the state, member_find,
and paying a membership order creates the membership with the member's details."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from billetterie.core.models import AuditEntry
from billetterie.memberships.models import Member, Membership, MembershipState, MembershipType, ValidityRule
from billetterie.memberships.selectors import member_find, membership_state, memberships_active
from billetterie.memberships.services import (
    MemberDetails,
    membership_cancel,
    membership_grant,
    membership_period,
)
from billetterie.orders.memberships import split_name
from billetterie.orders.services import Person
from tests.factories import Shop, order_paid

DETAILS = MemberDetails(first_name="Maëlle", last_name="Lefèvre", email="maelle@example.org",
                        address="3 rue des Lilas", postcode="46200", city="Souillac")


def _type(rule: str = ValidityRule.SEASON, **fields: object) -> MembershipType:
    return MembershipType(rule=rule, **fields)  # type: ignore[misc]


def _saved_type(shop: Shop, rule: str = ValidityRule.SEASON, **fields: object) -> MembershipType:
    return MembershipType.objects.create(organizer=shop.organizer, name="Adhésion", rule=rule,
                                         product=shop.membership, **fields)


# --- the validity rules -------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "expected"), [
    (date(2026, 9, 1), (date(2026, 9, 1), date(2027, 8, 31))),
    (date(2027, 1, 10), (date(2026, 9, 1), date(2027, 8, 31))),  # across the year boundary
    (date(2026, 8, 31), (date(2025, 9, 1), date(2026, 8, 31))),
    (date(2026, 12, 31), (date(2026, 9, 1), date(2027, 8, 31))),
])
def test_season_contains_the_day(on: date, expected: tuple[date, date]) -> None:
    assert membership_period(membership_type=_type(), start=on) == expected


def test_season_starting_in_january_and_on_a_29th() -> None:
    assert membership_period(membership_type=_type(season_start_month=1, season_start_day=1),
                             start=date(2026, 5, 5)) == (date(2026, 1, 1), date(2026, 12, 31))
    # a season starting on 29 February starts on the 28th in other years
    leap = _type(season_start_month=2, season_start_day=29)
    assert membership_period(membership_type=leap, start=date(2027, 3, 1)) == (date(2027, 2, 28), date(2028, 2, 28))


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 1, 15), 12, date(2027, 1, 14)),
    (date(2026, 1, 31), 1, date(2026, 2, 27)),  # 31 January + 1 month = 28 February, minus a day
    (date(2026, 3, 31), 1, date(2026, 4, 29)),
    (date(2026, 2, 28), 1, date(2026, 3, 27)),
    (date(2028, 1, 31), 1, date(2028, 2, 28)),  # a leap year: 29 February minus a day
    (date(2026, 11, 30), 3, date(2027, 2, 27)),
    (date(2026, 3, 1), 12, date(2027, 2, 28)),
])
def test_months_from_the_purchase(start: date, months: int, end: date) -> None:
    assert membership_period(membership_type=_type(ValidityRule.MONTHS, months=months), start=start) == (start, end)


def test_calendar_year_and_lifetime() -> None:
    assert membership_period(membership_type=_type(ValidityRule.CALENDAR_YEAR),
                             start=date(2026, 7, 14)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert membership_period(membership_type=_type(ValidityRule.LIFETIME),
                             start=date(2026, 7, 14)) == (date(2026, 7, 14), None)


# --- granting ---------------------------------------------------------------------------------


def test_grant_registers_a_member_with_a_number_and_audits(shop: Shop) -> None:
    membership_type = _saved_type(shop)
    first = membership_grant(membership_type=membership_type, details=DETAILS, on=date(2026, 10, 1))
    other = membership_grant(membership_type=membership_type, on=date(2026, 10, 1),
                             details=MemberDetails(first_name="Léo", last_name="Martin", email="leo@example.org"))
    assert (first.member.number, other.member.number) == ("A-000001", "A-000002")
    assert (first.start, first.end) == (date(2026, 9, 1), date(2027, 8, 31)) and first.renews is None
    member = Member.objects.get(pk=first.member_id)
    assert (member.first_name, member.last_name, member.city, member.postcode) == (
        "Maëlle", "Lefèvre", "Souillac", "46200")
    entry = AuditEntry.objects.get(action="membership.created", subject_id=first.pk)
    assert entry.organizer_id == shop.organizer.pk and entry.changes["member"] == [None, "A-000001"]


def test_early_renewal_starts_the_day_after_the_current_end(shop: Shop) -> None:
    season = _saved_type(shop)
    current = membership_grant(membership_type=season, details=DETAILS, on=date(2026, 10, 1))
    # the same person (email and last name, accents and case aside) renews in August
    again = membership_grant(membership_type=season, on=date(2027, 8, 1),
                             details=MemberDetails(first_name="Maëlle", last_name="LEFEVRE",
                                                   email="Maelle@example.org", city="Cahors"))
    assert again.member_id == current.member_id and again.renews == current
    assert (again.start, again.end) == (date(2027, 9, 1), date(2028, 8, 31))
    assert Member.objects.get(pk=current.member_id).city == "Cahors"  # the register kept up to date
    assert AuditEntry.objects.filter(action="membership.renewed", subject_id=again.pk).exists()


def test_early_renewal_of_months_is_old_end_plus_the_months(shop: Shop) -> None:
    months = _saved_type(shop, ValidityRule.MONTHS, months=6)
    current = membership_grant(membership_type=months, details=DETAILS, on=date(2026, 8, 31))
    assert current.end == date(2027, 2, 27)
    again = membership_grant(membership_type=months, details=DETAILS, member=current.member, on=date(2027, 2, 1))
    assert (again.start, again.end) == (date(2027, 2, 28), date(2027, 8, 27))


def test_after_the_end_a_new_period_starts_from_the_purchase(shop: Shop) -> None:
    months = _saved_type(shop, ValidityRule.MONTHS, months=1)
    current = membership_grant(membership_type=months, details=DETAILS, on=date(2026, 1, 10))
    later = membership_grant(membership_type=months, details=DETAILS, on=date(2026, 3, 1))
    assert later.member_id == current.member_id and later.renews is None
    assert (later.start, later.end) == (date(2026, 3, 1), date(2026, 3, 31))


def test_a_cancelled_membership_is_not_renewed_and_not_active(shop: Shop) -> None:
    season = _saved_type(shop)
    current = membership_grant(membership_type=season, details=DETAILS, on=date(2026, 10, 1))
    membership_cancel(membership_id=current.pk)
    membership_cancel(membership_id=current.pk)  # idempotent
    current.refresh_from_db()
    assert membership_state(current, on=date(2026, 10, 2)) == MembershipState.CANCELLED
    assert AuditEntry.objects.filter(action="membership.cancelled", subject_id=current.pk).count() == 1
    again = membership_grant(membership_type=season, details=DETAILS, on=date(2026, 10, 3))
    assert again.renews is None and again.start == date(2026, 9, 1)


def test_state_and_active(shop: Shop) -> None:
    season = _saved_type(shop)
    membership = membership_grant(membership_type=season, details=DETAILS, on=date(2026, 10, 1))
    assert membership_state(membership, on=date(2026, 8, 31)) == MembershipState.UPCOMING
    assert membership_state(membership, on=date(2027, 8, 31)) == MembershipState.ACTIVE
    assert membership_state(membership, on=date(2027, 9, 1)) == MembershipState.EXPIRED
    organizer_id = shop.organizer.pk
    assert list(memberships_active(organizer_id=organizer_id, on=date(2027, 1, 1))) == [membership]
    assert list(memberships_active(organizer_id=organizer_id, on=date(2027, 1, 1), type_ids=[season.pk + 1])) == []
    assert not memberships_active(organizer_id=organizer_id, on=date(2027, 9, 1)).exists()


def test_member_find_ignores_case_and_accents(shop: Shop) -> None:
    membership = membership_grant(membership_type=_saved_type(shop), details=DETAILS, on=date(2026, 10, 1))
    organizer_id = shop.organizer.pk
    assert member_find(organizer_id=organizer_id, number="a-000001", last_name=" lefevre ") == membership.member
    assert member_find(organizer_id=organizer_id, number="A-000001", last_name="LEFÈVRE") == membership.member
    assert member_find(organizer_id=organizer_id, number="A-000001", last_name="Martin") is None
    assert member_find(organizer_id=organizer_id, number="A-000002", last_name="Lefèvre") is None
    assert member_find(organizer_id=organizer_id, number="A-000001", last_name="") is None


def test_grant_is_idempotent_per_order_line(shop: Shop) -> None:
    season = _saved_type(shop)
    order = order_paid(shop, tickets=0, meals=0, membership=True)
    line = order.lines.get()
    first = Membership.objects.get(order_line=line)
    again = membership_grant(membership_type=season, details=DETAILS, on=date(2026, 10, 1), order_line_id=line.pk)
    assert again == first and Membership.objects.count() == 1 and Member.objects.count() == 1
    entry = AuditEntry.objects.get(action="membership.created", subject_id=first.pk)
    assert entry.order_id == order.pk


# --- paying an order ----------------------------------------------------------------------------


def test_paying_a_membership_order_creates_it_with_the_members_details(shop: Shop) -> None:
    from billetterie.cart.services import CartAdd, cart_add, cart_get_or_create
    from billetterie.catalog.selectors import Visibility
    from billetterie.orders.services import Checkout, order_mark_paid, order_place

    _saved_type(shop)
    cart = cart_get_or_create(organizer=shop.organizer, token=None)
    [position] = cart_add(cart=cart, item=CartAdd(product=shop.membership, price=shop.member_alumni),
                          visibility=Visibility())
    holder: dict[str, object] = {"first_name": "Maëlle", "last_name": "Lefèvre", "address": "3 rue des Lilas",
                                 "postcode": "46200", "city": "Souillac", "birth_date": "1990-05-04"}
    person = Person(name="Maëlle Lefèvre", email="maelle@example.org", holder=holder)
    order = order_place(cart_token=cart.token, checkout=Checkout(
        email="parent@example.org", name="Parent Lefèvre", terms_accepted=True, people={position.pk: person}))
    assert not Membership.objects.exists()  # not before it is paid
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 10, 5, 12)), tick=False):
        assert order_mark_paid(order_id=order.pk)
    membership = Membership.objects.select_related("member").get()
    member = membership.member
    assert membership.order_line.order_id == order.pk  # type: ignore[union-attr]
    assert (member.first_name, member.last_name, member.email, member.address, member.postcode, member.city,
            member.birth_date) == ("Maëlle", "Lefèvre", "maelle@example.org", "3 rue des Lilas", "46200",
                                   "Souillac", date(1990, 5, 4))
    assert (membership.start, membership.end) == (date(2026, 9, 1), date(2027, 8, 31))
    assert order_mark_paid(order_id=order.pk) and Membership.objects.count() == 1


def test_an_api_membership_line_with_just_a_name(shop: Shop) -> None:
    _saved_type(shop)
    order = order_paid(shop, tickets=0, meals=0, membership=True, channel="api", attendees=["Jean-Paul de La Tour"])
    member = Membership.objects.get().member
    assert (member.first_name, member.last_name, member.email) == ("Jean-Paul", "de La Tour", "p0@example.org")
    assert order.lines.get().holder == {"first_name": "Jean-Paul", "last_name": "de La Tour"}


def test_a_membership_product_without_type_grants_nothing(shop: Shop) -> None:
    order_paid(shop, tickets=1, meals=0, membership=True)
    assert not Membership.objects.exists()


def test_a_bad_date_of_birth_is_refused(shop: Shop) -> None:
    from billetterie.core.errors import InvalidInput
    from billetterie.orders.memberships import holder_clean

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    for bad in ("1990-13-01", future, "1800-01-01"):
        with pytest.raises(InvalidInput):
            holder_clean(shop.membership, "A B", {"birth_date": bad, "last_name": "B"})


@pytest.mark.parametrize(("name", "parts"), [
    ("Marie Curie", ("Marie", "Curie")), ("Curie", ("", "Curie")),
    ("Jean Pierre Dupont", ("Jean Pierre", "Dupont")), ("Anne de Bretagne", ("Anne", "de Bretagne")),
])
def test_split_name(name: str, parts: tuple[str, str]) -> None:
    assert split_name(name) == parts


def test_the_confirmation_of_memberships_only_speaks_of_a_membership(
        shop: Shop, django_capture_on_commit_callbacks: Any) -> None:
    from django.core import mail

    _saved_type(shop)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_paid(shop, tickets=0, meals=0, membership=True)
    email = next(m for m in mail.outbox if m.to == ["acheteur@example.org"])
    assert email.subject == f"Votre adhésion — Association des étudiants (commande {order.code})"
    assert "Merci pour votre adhésion à Association des étudiants" in email.body
    assert "billet" not in email.subject + email.body.split("--")[0]
