"""The member register as the back office reads it (issue 12, item 6): memberships found by a
search and filters (type, state today, season), the active members per type, a member's history;
and the edit of a member's details, audited.

A row of the register is one membership (one period of one member): a member who renewed has one
row per season, which is what a treasurer counts. The state of a row is the one of
`selectors.membership_state`, written here as conditions the database can filter on."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from billetterie.core import clock
from billetterie.core.audit import audit_change, snapshot
from billetterie.core.errors import NotFound

from .models import Member, Membership, MembershipState, MembershipType, ValidityRule
from .selectors import membership_state
from .services import DETAIL_FIELDS, MemberDetails


@dataclass(frozen=True)
class RegisterFilters:
    """What a team member chose; `organizer_id` comes from the page, never from the form."""

    organizer_id: int
    on: date  # the day the states are read on (today)
    q: str = ""  # words found in the name, email or number
    type_id: int | None = None
    state: str = ""  # a MembershipState value, or "" for all
    season: int | None = None  # the year a season starts in (2026: 2026-2027), or the calendar year

    @classmethod
    def from_params(cls, organizer_id: int, on: date, params: dict[str, Any]) -> RegisterFilters:
        """From an export job's params (JSON), already checked by the form that made them."""
        type_id, season = params.get("type_id"), params.get("season")
        return cls(organizer_id=organizer_id, on=on, q=str(params.get("q") or ""),
                   type_id=int(type_id) if type_id else None, state=str(params.get("state") or ""),
                   season=int(season) if season else None)

    def params(self) -> dict[str, Any]:
        return {"q": self.q, "type_id": self.type_id, "state": self.state, "season": self.season}


def membership_state_of(*, start: date, end: date | None, cancelled: bool, on: date) -> MembershipState:
    """membership_state from a row's values (an export reads `.values()`, not models)."""
    return membership_state(Membership(start=start, end=end, cancelled_at=clock.now() if cancelled else None), on=on)


def state_condition(state: str, on: date, prefix: str = "") -> Q:
    """The memberships in `state` on `on`, as a condition (the rule of membership_state)."""
    p = prefix
    live = Q(**{f"{p}cancelled_at__isnull": True})
    if state == MembershipState.CANCELLED:
        return ~live
    if state == MembershipState.UPCOMING:
        return live & Q(**{f"{p}start__gt": on})
    if state == MembershipState.EXPIRED:
        return live & Q(**{f"{p}end__lt": on})
    if state == MembershipState.ACTIVE:
        return live & Q(**{f"{p}start__lte": on}) & (Q(**{f"{p}end__isnull": True}) | Q(**{f"{p}end__gte": on}))
    return Q()


def season_bounds(membership_type: MembershipType, year: int) -> tuple[date, date]:
    """The season starting in `year` for a type sold by seasons (its own start day), else the
    calendar year."""
    if membership_type.rule != ValidityRule.SEASON:
        return date(year, 1, 1), date(year, 12, 31)
    from .services import membership_period

    month = min(max(membership_type.season_start_month, 1), 12)
    day = min(max(membership_type.season_start_day, 1), calendar.monthrange(year, month)[1])
    first, last = membership_period(membership_type=membership_type, start=date(year, month, day))
    assert last is not None
    return first, last


def _season_condition(types: Iterable[MembershipType], year: int) -> Q:
    """The memberships whose period meets their type's season starting in `year`."""
    condition = Q(pk__in=[])
    for membership_type in types:
        first, last = season_bounds(membership_type, year)
        condition |= Q(type_id=membership_type.pk, start__lte=last) & (Q(end__isnull=True) | Q(end__gte=first))
    return condition


def _search_condition(q: str) -> Q:
    condition = Q()
    for word in q.split()[:8]:
        condition &= (Q(member__first_name__icontains=word) | Q(member__last_name__icontains=word)
                      | Q(member__email__icontains=word) | Q(member__number__icontains=word))
    return condition


def register_memberships(f: RegisterFilters) -> QuerySet[Membership]:
    """The register's rows for these filters, the latest periods first."""
    query = Membership.objects.filter(member__organizer_id=f.organizer_id)
    if f.q.strip():
        query = query.filter(_search_condition(f.q))
    if f.type_id:
        query = query.filter(type_id=f.type_id)
    if f.state:
        query = query.filter(state_condition(f.state, f.on))
    if f.season:
        types = MembershipType.objects.filter(organizer_id=f.organizer_id)
        if f.type_id:
            types = types.filter(pk=f.type_id)
        query = query.filter(_season_condition(types, f.season))
    return query.order_by("-start", "member__last_name", "member__first_name", "-id")


@dataclass(frozen=True)
class TypeCount:
    membership_type: MembershipType
    active_members: int


def active_members_by_type(*, organizer_id: int, on: date) -> list[TypeCount]:
    """Each of the organiser's types with how many members hold an active membership of it on `on`."""
    counts = dict(
        Membership.objects.filter(state_condition(MembershipState.ACTIVE, on), member__organizer_id=organizer_id)
        .values("type_id").annotate(n=Count("member_id", distinct=True)).values_list("type_id", "n")
    )
    return [TypeCount(t, counts.get(t.pk, 0)) for t in MembershipType.objects.filter(organizer_id=organizer_id)]


def active_members_count(*, organizer_id: int, on: date) -> int:
    """Members with at least one active membership on `on` (a member of two types counts once)."""
    return (Membership.objects.filter(state_condition(MembershipState.ACTIVE, on), member__organizer_id=organizer_id)
            .values("member_id").distinct().count())


def member_of(*, organizer_id: int, member_id: int) -> Member | None:
    """The organiser's member (another organiser's is not found)."""
    return Member.objects.filter(pk=member_id, organizer_id=organizer_id).first()


def member_history(*, member: Member) -> list[Membership]:
    """The member's memberships, the latest first, with their type and the order that bought them."""
    return list(member.memberships.select_related("type", "order_line__order").order_by("-start", "-id"))


def member_details_update(*, organizer_id: int, member_id: int, details: MemberDetails) -> Member:
    """Staff correct a member's details (every field as given, an empty one is emptied); audited
    with what changed. Nothing changed: nothing written."""
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id, organizer_id=organizer_id).first()
        if member is None:
            raise NotFound("member not found")
        before = snapshot(member, DETAIL_FIELDS)
        changed = [name for name in DETAIL_FIELDS if getattr(member, name) != getattr(details, name)]
        if not changed:
            return member
        for name in changed:
            setattr(member, name, getattr(details, name))
        member.save(update_fields=changed)
        audit_change(action="member.updated", subject=member, before=before, organizer_id=organizer_id)
    return member
