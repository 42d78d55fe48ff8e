"""Member prices (issue 12, item 4): a price reserved to members of given types.

A price with a `PriceRequirement` is sold only to a buyer who proves an active membership of one
of its types on the day attended: the start day of the line's date, or for a product without
dates the day of the order (decision 0024). The proof (`MemberProof`) is what the buyer showed in
this session: signed in to their customer account (the memberships of the members linked to it),
or a member number with its last name (`member_prove`, rate-limited per number and per client);
at the box office, the seller who sees the card vouches. Cart and orders check it when an item
goes into the cart and again when the order is placed: the membership may have been cancelled
in between."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billetterie.catalog.models import Price
from billetterie.catalog.selectors import catalog_version
from billetterie.catalog.signals import catalog_version_bump
from billetterie.core.audit import audit_record
from billetterie.core.audit import changed as audit_changed
from billetterie.core.errors import InvalidInput
from billetterie.core.ratelimit import Limit, bump, count, refusal

from .models import Member, Membership, MembershipState, MembershipType, PriceRequirement
from .selectors import member_find, membership_state

# wrong member number + last name pairs: per number (someone trying names for one card) and per
# client (someone trying numbers); past either, refused before anything is looked up, a right
# pair included, so that a 429 against a match tells nothing
PROOFS_PER_NUMBER = Limit("member-proof-number", per_window=5, window_seconds=900)
PROOFS_PER_CLIENT = Limit("member-proof-client", per_window=20, window_seconds=900)


@dataclass(frozen=True)
class MemberProof:
    """What a buyer proved in this session: the signed-in customer account, the members whose
    number and last name they gave; or a seller who sees the card (`vouched`: the box office)."""

    customer_id: int | None = None
    member_ids: frozenset[int] = field(default_factory=frozenset)
    vouched: bool = False

    @property
    def empty(self) -> bool:
        return self.customer_id is None and not self.member_ids and not self.vouched


NO_PROOF = MemberProof()
VOUCHED = MemberProof(vouched=True)


@dataclass(frozen=True)
class MemberPriceRule:
    """A member price: the membership types that open it (empty: any type of the organiser)."""

    price_id: int
    type_ids: frozenset[int]
    type_names: tuple[str, ...]


@dataclass(frozen=True)
class PricedItem:
    """One unit asked for at a price, on the day it is attended (`attended_on`)."""

    price: Price
    product_name: str
    on: date


def attended_on(start: datetime | None, now: datetime) -> date:
    """The day a membership must be valid on: the date's start day, or today for no date."""
    return timezone.localdate(start or now)


def price_requirement_for(price_ids: Iterable[int]) -> dict[int, MemberPriceRule]:
    """The member prices among `price_ids`, by price id (one query; the others are not listed)."""
    ids = {pk for pk in price_ids if pk is not None}
    if not ids:
        return {}
    return _rules(Q(price_id__in=ids))


def organizer_price_rules(organizer_id: int) -> dict[int, MemberPriceRule]:
    """Every member price of the organiser, by price id. With the shared catalogue cache
    (settings.CATALOG_CACHE) kept in this process until its catalogue changes — a member price
    set or removed bumps the catalogue's version: every order of a sell-out rush checks them, and
    most organisers have none."""
    where = Q(price__product__event__organizer_id=organizer_id)
    if not settings.CATALOG_CACHE:
        return _rules(where)
    key = (organizer_id, catalog_version(organizer_id=organizer_id))
    rules = _rules_cache.get(key)
    if rules is None:
        rules = _rules(where)
        if len(_rules_cache) >= 512:
            _rules_cache.clear()
        _rules_cache[key] = rules
    return rules


_rules_cache: dict[tuple[int, int], dict[int, MemberPriceRule]] = {}


def _rules(where: Q) -> dict[int, MemberPriceRule]:
    rows = (PriceRequirement.objects.filter(where)
            .values_list("price_id", "types__id", "types__name").order_by("price_id", "types__name"))
    found: dict[int, tuple[set[int], list[str]]] = {}
    for price_id, type_id, name in rows:
        type_ids, names = found.setdefault(price_id, (set(), []))
        if type_id is not None:  # a requirement without types (made in the admin): any type
            type_ids.add(type_id)
            names.append(name)
    return {pk: MemberPriceRule(pk, frozenset(t), tuple(n)) for pk, (t, n) in found.items()}


def proof_memberships(*, organizer_id: int, proof: MemberProof) -> list[Membership]:
    """The memberships, not cancelled, of the members the proof stands for (one query)."""
    if proof.empty or proof.vouched:
        return []
    who = Q(member_id__in=sorted(proof.member_ids)) if proof.member_ids else Q(pk__in=[])
    if proof.customer_id is not None:
        who |= Q(member__customer_id=proof.customer_id)
    return list(Membership.objects.filter(who, member__organizer_id=organizer_id, cancelled_at__isnull=True)
                .only("id", "member_id", "type_id", "start", "end", "cancelled_at"))


def rule_covered(rule: MemberPriceRule, on: date, memberships: Sequence[Membership]) -> bool:
    """One of `memberships` (`proof_memberships`) is active on `on` and of one of the rule's types."""
    return any(membership_state(m, on=on) == MembershipState.ACTIVE
               and (not rule.type_ids or m.type_id in rule.type_ids) for m in memberships)


def member_price_allowed(*, price: Price, date: date, proof: MemberProof) -> bool:
    """May this price be sold to the holder of `proof` for the day `date`?"""
    rule = price_requirement_for([price.pk]).get(price.pk)
    if rule is None or proof.vouched:
        return True
    organizer_id = price.product.event.organizer_id
    return rule_covered(rule, date, proof_memberships(organizer_id=organizer_id, proof=proof))


def member_prices_check(*, organizer_id: int, items: Sequence[PricedItem], proof: MemberProof | None) -> None:
    """Refuse (InvalidInput, 422) the first member price among `items` the proof does not open on
    its day. One query for the rules, one more only when there is a member price."""
    every = organizer_price_rules(organizer_id) if items else {}
    rules = {item.price.pk: every[item.price.pk] for item in items if item.price.pk in every}
    if not rules or (proof is not None and proof.vouched):
        return
    proof = proof or NO_PROOF
    memberships = proof_memberships(organizer_id=organizer_id, proof=proof)
    for item in items:
        rule = rules.get(item.price.pk)
        if rule is not None and not rule_covered(rule, item.on, memberships):
            raise member_price_refused(item, rule)


def member_price_refused(item: PricedItem, rule: MemberPriceRule) -> InvalidInput:
    types = ", ".join(rule.type_names) or _("any membership")
    message = _("“%(price)s” (%(product)s) is a member price: it needs a membership (%(types)s) valid on "
                "%(date)s. Sign in or give your member number and last name on the event's page.")
    return InvalidInput(message % {"price": item.price.name, "product": item.product_name, "types": types,
                                   "date": date_format(item.on, "SHORT_DATE_FORMAT")},
                        code="member_price_refused", details={"price_id": item.price.pk})


# --- the proof by member number and last name --------------------------------------------------


def _number_subject(organizer_id: int, number: str) -> str:
    """The number as counted (spaces and case aside, per organiser), hashed: what a client typed
    never goes into a cache key as is."""
    typed = "".join(number.split()).upper()[:100]
    return hashlib.sha256(f"{organizer_id}:{typed}".encode()).hexdigest()[:32]


def member_prove(*, organizer_id: int, number: str, last_name: str, client: str) -> Member:
    """The member with this number and last name (case and accents ignored). A wrong pair is
    counted against the number and the client and refused without saying which of the two was
    wrong (InvalidInput); past either limit, RateLimited (429) before anything is looked up."""
    subject = _number_subject(organizer_id, number)
    message = _("Too many member number checks: wait a few minutes and try again.")
    if count(PROOFS_PER_NUMBER, subject) >= PROOFS_PER_NUMBER.per_window:
        raise refusal(PROOFS_PER_NUMBER, message)
    if client and count(PROOFS_PER_CLIENT, client) >= PROOFS_PER_CLIENT.per_window:
        raise refusal(PROOFS_PER_CLIENT, message)
    member = member_find(organizer_id=organizer_id, number=number, last_name=last_name)
    if member is None:
        bump(PROOFS_PER_NUMBER, subject)
        if client:
            bump(PROOFS_PER_CLIENT, client)
        raise InvalidInput(_("This member number and last name do not match a member. Check both, as written "
                             "on your membership card."), code="member_not_found")
    return member


# --- the back office: which types a price is reserved to ---------------------------------------


def price_member_types(*, price_id: int) -> list[int]:
    rule = price_requirement_for([price_id]).get(price_id)
    return sorted(rule.type_ids) if rule is not None else []


def price_requirement_set(*, price: Price, type_ids: Iterable[int]) -> None:
    """Reserve the price to members of `type_ids` (the organiser's types), or open it to all
    (empty). Written with its audit entry, in the caller's transaction if there is one."""
    organizer_id = price.product.event.organizer_id
    wanted = set(MembershipType.objects.filter(organizer_id=organizer_id, pk__in=list(type_ids))
                 .values_list("pk", flat=True))
    with transaction.atomic():
        requirement = PriceRequirement.objects.select_for_update().filter(price=price).first()
        before = set(requirement.types.values_list("pk", flat=True)) if requirement is not None else set()
        if requirement is not None and before == wanted and wanted:
            return
        if requirement is None and not wanted:
            return
        if not wanted:
            assert requirement is not None
            requirement.delete()
        else:
            requirement = requirement or PriceRequirement.objects.create(price=price)
            requirement.types.set(wanted)
        catalog_version_bump(organizer_id)
        audit_record(action="price.member_types_changed", subject=price, organizer_id=organizer_id,
                     changes=audit_changed({"member_types": sorted(before)}, {"member_types": sorted(wanted)}))
