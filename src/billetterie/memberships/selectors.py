"""Reading memberships: a membership's state, the active ones, a member found by number and
name, and the memberships due a renewal reminder."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Member, Membership, MembershipState, MembershipType, RenewalReminder, ValidityRule


def membership_state(membership: Membership, *, on: date) -> MembershipState:
    """Cancelled wins; then the dates decide (`end` inclusive, None for life)."""
    if membership.cancelled_at is not None:
        return MembershipState.CANCELLED
    if on < membership.start:
        return MembershipState.UPCOMING
    if membership.end is not None and on > membership.end:
        return MembershipState.EXPIRED
    return MembershipState.ACTIVE


def memberships_active(*, organizer_id: int, on: date, type_ids: Iterable[int] | None = None) -> QuerySet[Membership]:
    """The organiser's memberships valid on `on` (of the given types, if any)."""
    query = Membership.objects.filter(member__organizer_id=organizer_id, cancelled_at__isnull=True,
                                      start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))
    if type_ids is not None:
        query = query.filter(type_id__in=list(type_ids))
    return query


def membership_types_by_product(*, product_ids: Iterable[int]) -> dict[int, MembershipType]:
    """product id -> the membership type it sells, for the products that sell one."""
    return {t.product_id: t for t in MembershipType.objects.filter(product_id__in=list(product_ids))
            if t.product_id is not None}


def name_key(name: str) -> str:
    """A last name as compared: without accents, case, spaces or hyphens (« Lefèvre » = « LEFEVRE »)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in bare.casefold() if c.isalnum())


def member_find(*, organizer_id: int, number: str, last_name: str) -> Member | None:
    """The organiser's member with this number and last name (case and accents ignored), else None."""
    number = number.strip().upper()
    if not number or not name_key(last_name):
        return None
    member = Member.objects.filter(organizer_id=organizer_id, number=number).first()
    if member is None or name_key(member.last_name) != name_key(last_name):
        return None
    return member


def same_person(member: Member, *, first_name: str, last_name: str) -> bool:
    """Whether these names are the member's: the same last name, and the same first name when
    both are known (a family sharing one address and one last name are several people)."""
    if name_key(member.last_name) != name_key(last_name):
        return False
    mine, theirs = name_key(member.first_name), name_key(first_name)
    return not mine or not theirs or mine == theirs


def member_by_contact(*, organizer_id: int, email: str, last_name: str, first_name: str = "") -> Member | None:
    """The organiser's member with this email and name (to renew rather than register anew)."""
    if not email.strip() or not name_key(last_name):
        return None
    for member in Member.objects.filter(organizer_id=organizer_id, email__iexact=email.strip()).order_by("id"):
        if same_person(member, first_name=first_name, last_name=last_name):
            return member
    return None


def membership_current(*, member: Member, type_id: int, on: date) -> Membership | None:
    """The member's membership of this type that ends last, if it ends on `on` or later (the one an
    early renewal follows), else None."""
    return (Membership.objects.filter(member=member, type_id=type_id, cancelled_at__isnull=True, end__gte=on)
            .order_by("-end", "-id").first())


MAX_REMINDER_DAYS = 365


def reminder_offsets(reminder_days: str) -> list[int]:
    """"30,7,0" -> [30, 7, 0]; anything not a whole number of days from 0 to 365 is ignored."""
    out: list[int] = []
    for part in reminder_days.replace(";", ",").split(","):
        part = part.strip()
        if part.isdigit() and int(part) <= MAX_REMINDER_DAYS and int(part) not in out:
            out.append(int(part))
    return sorted(out, reverse=True)


@dataclass(frozen=True)
class ReminderDue:
    membership: Membership
    days_before: int


def memberships_due_reminder(*, on: date, organizer_id: int | None = None) -> list[ReminderDue]:
    """The (membership, offset) pairs to remind on `on`: the membership ends `offset` days after
    `on` for one of its type's offsets, and no reminder went out for it at that offset yet. Not
    for cancelled or lifetime memberships, members who stopped reminders, nor memberships already
    renewed (a later one of the same type follows, paid). An offset missed (the job did not run
    that day) is caught up while the end is still ahead and no smaller offset is due."""
    renewed = Membership.objects.filter(member_id=OuterRef("member_id"), type_id=OuterRef("type_id"),
                                        cancelled_at__isnull=True, start__gt=OuterRef("end"))
    query = (Membership.objects.filter(cancelled_at__isnull=True, end__gte=on,
                                       end__lte=on + timedelta(days=MAX_REMINDER_DAYS),
                                       member__reminders_stopped_at__isnull=True)
             .exclude(type__rule=ValidityRule.LIFETIME).exclude(type__reminder_days="").exclude(member__email="")
             .filter(~Exists(renewed)).select_related("member", "member__organizer", "type"))
    if organizer_id is not None:
        query = query.filter(member__organizer_id=organizer_id)
    offsets_by_type: dict[int, list[int]] = {}
    candidates: list[tuple[Membership, int]] = []
    for membership in query.order_by("end", "id"):
        assert membership.end is not None
        offsets = offsets_by_type.setdefault(membership.type_id, reminder_offsets(membership.type.reminder_days))
        days_left = (membership.end - on).days
        # the smallest offset already reached: the one to send now (a missed larger one is not sent late)
        reached = [offset for offset in offsets if offset >= days_left]
        if reached:
            candidates.append((membership, min(reached)))
    if not candidates:
        return []
    sent = set(RenewalReminder.objects.filter(membership_id__in=[m.pk for m, _ in candidates])
               .values_list("membership_id", "days_before"))
    return [ReminderDue(m, offset) for m, offset in candidates if (m.pk, offset) not in sent]
