"""Granting, renewing and cancelling memberships (issue 12, decision 0021).

A membership's period follows its type's validity rule (`membership_period`). Granting one to a
member who already holds a membership of that type ending today or later is an early renewal:
the new one starts the day after the current one ends (`renews` points at it).

Member numbers are per organiser, sequential, "A-000001", "A-000002"… (six digits at least, more
past 999,999): readable on a card and over the phone, and independent of the year so that a
member keeps theirs for life. Two grants at once may pick the same next number: the unique
constraint refuses the second, which takes the next one (`_member_create`)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from billetterie.catalog.models import Product, ProductKind
from billetterie.core import clock
from billetterie.core.audit import audit_change, audit_record, snapshot
from billetterie.core.errors import InvalidInput, NotFound
from billetterie.customers.models import Customer

from .models import Member, Membership, MembershipType, RenewalReminder, ValidityRule
from .selectors import MAX_REMINDER_DAYS, member_by_contact, membership_current, reminder_offsets, same_person

NUMBER_PREFIX = "A-"
NUMBER_DIGITS = 6
NUMBER_TRIES = 20


@dataclass(frozen=True)
class MemberDetails:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "FR"
    birth_date: date | None = None


# the member's fields a grant writes from the details it is given
DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "address", "postcode", "city", "country", "birth_date")


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, on the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _season_start(membership_type: MembershipType, year: int) -> date:
    month = min(max(membership_type.season_start_month, 1), 12)
    return date(year, month, min(max(membership_type.season_start_day, 1), calendar.monthrange(year, month)[1]))


def membership_period(*, membership_type: MembershipType, start: date) -> tuple[date, date | None]:
    """(first day, last day) of a membership of this type taken on `start`; last None for life.

    SEASON: the season containing `start`, from its start day to the day before the next one;
    MONTHS: N months from `start` (end = start + N months - 1 day); CALENDAR_YEAR: 1 January to
    31 December of `start`'s year; LIFETIME: from `start`, no end."""
    rule = membership_type.rule
    if rule == ValidityRule.SEASON:
        first = _season_start(membership_type, start.year)
        if first > start:
            first = _season_start(membership_type, start.year - 1)
        return first, _season_start(membership_type, first.year + 1) - timedelta(days=1)
    if rule == ValidityRule.MONTHS:
        return start, add_months(start, max(membership_type.months, 1)) - timedelta(days=1)
    if rule == ValidityRule.CALENDAR_YEAR:
        return date(start.year, 1, 1), date(start.year, 12, 31)
    return start, None


def _renewal_period(membership_type: MembershipType, current: Membership) -> tuple[date, date | None]:
    """The period that follows `current` (early renewal): from the day after its end, for the
    period's length from there (MONTHS: old end + N months)."""
    assert current.end is not None
    start = current.end + timedelta(days=1)
    if membership_type.rule == ValidityRule.MONTHS:
        return start, add_months(current.end, max(membership_type.months, 1))
    _first, end = membership_period(membership_type=membership_type, start=start)
    return start, end


def membership_grant(*, membership_type: MembershipType, details: MemberDetails, on: date,
                     order_line_id: int | None = None, member: Member | None = None,
                     customer_id: int | None = None) -> Membership:
    """Give `details`' person (or `member`) a membership of this type bought on `on`.

    The member is `member` when given, else the organiser's member with the account
    `customer_id`, else the one with the same email and last name, else a new member with the
    next number. A membership of that type ending on `on` or later makes this an early renewal.
    Granting twice for the same order line returns the first membership."""
    with transaction.atomic(savepoint=False):  # the number's retry has its own savepoint
        if order_line_id is not None:
            existing = Membership.objects.filter(order_line_id=order_line_id).select_related("member").first()
            if existing is not None:
                return existing
        organizer_id = membership_type.organizer_id
        if member is not None and member.organizer_id != organizer_id:
            raise InvalidInput("the member and the membership type are not of the same organiser")
        if member is None:
            member = _member_for(organizer_id, details, customer_id)
        if member is None:
            member = _member_create(organizer_id, details, customer_id)
        else:
            _member_update(member, details, customer_id)
        current = membership_current(member=member, type_id=membership_type.pk, on=on)
        if current is not None:
            start, end = _renewal_period(membership_type, current)
        else:
            start, end = membership_period(membership_type=membership_type, start=on)
        membership = Membership.objects.create(member=member, type=membership_type, start=start, end=end,
                                               order_line_id=order_line_id, renews=current,
                                               created_at=clock.now())
        audit_record(action="membership.renewed" if current else "membership.created", subject=membership,
                     organizer_id=organizer_id, order_id=_order_id(order_line_id), changes={
                         "member": [None, member.number], "type": [None, membership_type.name],
                         "start": [None, str(start)], "end": [None, str(end) if end else None],
                         **({"renews": [None, current.pk]} if current else {}),
                     })
    return membership


def _member_for(organizer_id: int, details: MemberDetails, customer_id: int | None) -> Member | None:
    """The member these details are: one of the account's records with their name, else the one
    with their email and name. Not merely the account's first record: a signed-in member buying
    for her son buys his membership, not a renewal of hers under his name."""
    if customer_id is not None:
        for found in Member.objects.filter(organizer_id=organizer_id, customer_id=customer_id).order_by("id"):
            if same_person(found, first_name=details.first_name, last_name=details.last_name):
                return found
    return member_by_contact(organizer_id=organizer_id, email=details.email, last_name=details.last_name,
                             first_name=details.first_name)


def _account_of(details: MemberDetails, customer_id: int | None) -> int | None:
    """The account a member record joins: the buyer's when the member's email is the account's
    (someone else's record, bought for them, stays theirs: their memberships prove nothing for
    the buyer's member prices, and their own account may join it once they sign in)."""
    if customer_id is None or not details.email.strip():
        return None
    email = Customer.objects.filter(pk=customer_id).values_list("email", flat=True).first()
    return customer_id if email is not None and email.lower() == details.email.strip().lower() else None


def _member_update(member: Member, details: MemberDetails, customer_id: int | None) -> None:
    """Keep the register up to date with what the member typed this time (empty fields keep
    what was known)."""
    changed: list[str] = []
    for name in DETAIL_FIELDS:
        value = getattr(details, name)
        if value not in ("", None) and getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    customer_id = _account_of(details, customer_id)
    if customer_id is not None and member.customer_id is None:
        member.customer_id = customer_id
        changed.append("customer")
    if changed:
        member.save(update_fields=changed)


def _member_create(organizer_id: int, details: MemberDetails, customer_id: int | None) -> Member:
    """A new member with the organiser's next number. Two grants at once may pick the same one:
    the loser's insert fails on the unique constraint (in a savepoint, so its transaction goes on)
    and it reads the next number again — on PostgreSQL after the winner's commit, which the
    unique index waited for."""
    fields = {name: getattr(details, name) for name in DETAIL_FIELDS}
    fields["email"] = fields["email"].strip()
    customer_id = _account_of(details, customer_id)
    for _try in range(NUMBER_TRIES):
        try:
            with transaction.atomic():
                return Member.objects.create(organizer_id=organizer_id, number=_next_number(organizer_id),
                                             customer_id=customer_id, created_at=clock.now(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError(f"no free member number after {NUMBER_TRIES} tries")


def _next_number(organizer_id: int) -> str:
    last = (Member.objects.filter(organizer_id=organizer_id, number__startswith=NUMBER_PREFIX)
            .annotate(size=Length("number")).order_by("-size", "-number").values_list("number", flat=True).first())
    tail = last[len(NUMBER_PREFIX):] if last else ""
    following = int(tail) + 1 if tail.isdigit() else 1
    return f"{NUMBER_PREFIX}{following:0{NUMBER_DIGITS}d}"


def _order_id(order_line_id: int | None) -> int | None:
    """The order of the line that bought it, for the audit trail (orders sit above: by name)."""
    if order_line_id is None:
        return None
    line_model = Membership._meta.get_field("order_line").related_model
    return line_model._default_manager.filter(pk=order_line_id).values_list("order_id", flat=True).first()


def membership_cancel(*, membership_id: int, organizer_id: int | None = None) -> Membership:
    """Cancel a membership (a refund, a mistake): it is no longer active, nor reminded. Idempotent."""
    with transaction.atomic():
        query = Membership.objects.select_for_update().filter(pk=membership_id)
        if organizer_id is not None:
            query = query.filter(member__organizer_id=organizer_id)
        membership = query.first()
        if membership is None:
            raise NotFound("membership not found")
        if membership.cancelled_at is None:
            membership.cancelled_at = clock.now()
            membership.save(update_fields=["cancelled_at"])
            member = Member.objects.only("organizer_id").get(pk=membership.member_id)
            audit_record(action="membership.cancelled", subject=membership, organizer_id=member.organizer_id,
                         order_id=_order_id(membership.order_line_id),
                         changes={"cancelled_at": [None, str(membership.cancelled_at)]})
    return membership


def member_reminders_stop(*, member_id: int) -> Member:
    """The member asked for no more renewal reminders (the link in a reminder). Idempotent."""
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            raise NotFound("member not found")
        if member.reminders_stopped_at is None:
            member.reminders_stopped_at = clock.now()
            member.save(update_fields=["reminders_stopped_at"])
            audit_record(action="member.reminders_stopped", subject=member, organizer_id=member.organizer_id,
                         changes={"reminders_stopped_at": [None, str(member.reminders_stopped_at)]})
    return member


def renewal_reminder_record(*, membership_id: int, days_before: int) -> bool:
    """Note that the reminder at this offset goes out (in the transaction that queues its email).
    False when it went out already: the unique row makes a second run of the job send nothing."""
    try:
        with transaction.atomic():
            RenewalReminder.objects.create(membership_id=membership_id, days_before=days_before, sent_at=clock.now())
    except IntegrityError:
        return False
    return True


# --- membership types (the back office's catalogue: one type per membership product) ---------------

TYPE_FIELDS = ("name", "rule", "season_start_month", "season_start_day", "months", "reminder_days", "active")


def membership_type_check(values: Mapping[str, Any]) -> None:
    """The type's settings make sense (a real season start day, 1 to 120 months, reminders as
    whole days from 0 to 365); else InvalidInput naming the field."""
    month, day = values.get("season_start_month", 9), values.get("season_start_day", 1)
    if not (1 <= month <= 12) or not (1 <= day <= calendar.monthrange(2028, month)[1]):  # 2028: 29 February
        raise InvalidInput(_("Enter a day that exists in that month."), details={"field": "season_start_day"})
    if not 1 <= values.get("months", 12) <= 120:
        raise InvalidInput(_("Enter a number of months from 1 to 120."), details={"field": "months"})
    parts = [p.strip() for p in str(values.get("reminder_days", "")).split(",") if p.strip()]
    if any(not (p.isascii() and p.isdigit()) or int(p) > MAX_REMINDER_DAYS for p in parts):
        raise InvalidInput(_("Enter days from 0 to 365 separated by commas, for example 30, 7, 0."),
                           details={"field": "reminder_days"})


def membership_type_for_product(*, product: Product) -> MembershipType:
    """The type a membership product sells, created with the product's name and the default
    settings (a season from 1 September) when it has none yet."""
    with transaction.atomic():
        existing = MembershipType.objects.filter(product=product).first()
        if existing is not None:
            return existing
        membership_type = MembershipType.objects.create(organizer_id=product.event.organizer_id,
                                                        name=product.name[:200], product=product)
        audit_record(action="membership_type.created", subject=membership_type,
                     organizer_id=membership_type.organizer_id,
                     changes={name: [None, getattr(membership_type, name)] for name in TYPE_FIELDS})
    return membership_type


def membership_type_update(*, product: Product, values: Mapping[str, Any]) -> MembershipType:
    """Change the validity and reminders of the type a membership product sells (created if
    missing). Memberships granted already keep their dates."""
    membership_type_check(values)
    with transaction.atomic():
        membership_type = membership_type_for_product(product=product)
        locked = MembershipType.objects.select_for_update().get(pk=membership_type.pk)
        before = snapshot(locked, TYPE_FIELDS)
        for name in TYPE_FIELDS:
            if name in values:
                setattr(locked, name, values[name])
        locked.reminder_days = ",".join(str(n) for n in reminder_offsets(locked.reminder_days))
        locked.save(update_fields=list(TYPE_FIELDS))
        audit_change(action="membership_type.changed", subject=locked, before=before,
                     organizer_id=locked.organizer_id)
    return locked


def membership_types_copy(*, source_event_id: int, target_event_id: int) -> int:
    """A duplicated membership page's products sell memberships too: each copy gets a type with the
    settings of its original's (the products are copied in the same order). Returns how many."""
    def membership_products(event_id: int) -> list[Product]:
        return list(Product.objects.filter(event_id=event_id, kind=ProductKind.MEMBERSHIP)
                    .select_related("event").order_by("position", "pk"))

    copied = 0
    for source, target in zip(membership_products(source_event_id), membership_products(target_event_id),
                              strict=False):
        original = MembershipType.objects.filter(product=source).first()
        values = {name: getattr(original, name) for name in TYPE_FIELDS} if original else {"name": target.name}
        membership_type_update(product=target, values=values)
        copied += 1
    return copied
