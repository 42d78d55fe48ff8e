"""What memberships keep about a customer account (issue 12, item 5; decision 0023), registered
with customers at start-up (`customers.services.account_part_register`, from the shop's AppConfig):

- join: the organiser's member records with the account's proved address (any case) join it;
- export: the account's member records (and those its orders bought a membership for) and their
  memberships, for the data download;
- erase: before the account goes, a member record with no membership running or to come is
  anonymised (its number and periods stay, for the register's counts); one whose membership
  still runs stays on the association's register, detached from the account. The record of
  someone else whose membership the account's orders bought is theirs: it is left alone."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.customers.models import Customer

from .models import Member, Membership
from .selectors import membership_state


def members_of_customer(*, customer: Customer) -> QuerySet[Member]:
    """The account's member records, and those whose membership the account's orders bought (a
    family member's), each with its memberships (newest first) and their types: all of its own
    records', only those its orders bought of someone else's (the memberships they bought
    themselves, and their orders, are theirs)."""
    own = Q(member__customer=customer)
    periods = (Membership.objects.filter(own | Q(order_line__order__customer=customer))
               .select_related("type", "order_line__order").order_by("-start", "-id"))
    bought = Membership.objects.filter(order_line__order__customer=customer).values("member_id")
    return (Member.objects.filter(organizer_id=customer.organizer_id)
            .filter(Q(customer=customer) | Q(pk__in=bought))
            .prefetch_related(Prefetch("memberships", queryset=periods)).order_by("last_name", "first_name", "pk"))


def members_join_customer(customer: Customer) -> int:
    with transaction.atomic():
        ids = list(Member.objects.select_for_update().filter(
            organizer_id=customer.organizer_id, customer__isnull=True, email__iexact=customer.email,
        ).values_list("pk", flat=True))
        if ids:
            Member.objects.filter(pk__in=ids).update(customer=customer)
            for member_id in ids:
                audit_record(action="member.customer_joined", subject=Member(pk=member_id),
                             organizer_id=customer.organizer_id, changes={"customer": [None, customer.pk]})
    return len(ids)


def _today() -> date:
    return clock.now().date()


def members_export(customer: Customer) -> list[dict[str, Any]]:
    today = _today()
    return [{
        "number": member.number, "first_name": member.first_name, "last_name": member.last_name,
        "email": member.email, "phone": member.phone, "address": member.address, "postcode": member.postcode,
        "city": member.city, "country": member.country,
        "birth_date": member.birth_date.isoformat() if member.birth_date else None,
        "member_since": member.created_at.isoformat(),
        "memberships": [{
            "type": m.type.name, "start": m.start.isoformat(), "end": m.end.isoformat() if m.end else None,
            "state": str(membership_state(m, on=today)),
        } for m in member.memberships.all()],
    } for member in members_of_customer(customer=customer)]


def members_erase(customer: Customer) -> int:
    """Anonymise the account's member records whose memberships are all over (or cancelled);
    detach the others, kept on the register while their membership runs."""
    today = _today()
    running = Q(memberships__cancelled_at__isnull=True) & (Q(memberships__end__isnull=True)
                                                           | Q(memberships__end__gte=today))
    with transaction.atomic():
        mine = Member.objects.select_for_update().filter(organizer_id=customer.organizer_id, customer=customer)
        ids = list(mine.values_list("pk", flat=True))
        current = set(Member.objects.filter(pk__in=ids).filter(running).values_list("pk", flat=True))
        over = [pk for pk in ids if pk not in current]
        Member.objects.filter(pk__in=over).update(
            first_name="", last_name="—", email="", phone="", address="", postcode="", city="", birth_date=None,
            customer=None)
        Member.objects.filter(pk__in=list(current)).update(customer=None)
        for member_id in ids:
            audit_record(action="member.anonymised" if member_id in over else "member.customer_left",
                         subject=Member(pk=member_id), organizer_id=customer.organizer_id,
                         changes={"customer": [customer.pk, None]})
    return len(over)
