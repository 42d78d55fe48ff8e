"""A membership line's holder (the member's own details) and the memberships a paid order grants.

A membership line stores its member's details in `OrderLine.holder` (first and last name,
address, postcode, city, country, date of birth, and for a renewal from a reminder's link the
member renewed): the shop asks them; an API sale may give just a name, split here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from billetterie.catalog.models import Product, ProductKind
from billetterie.core import clock
from billetterie.core.errors import InvalidInput
from billetterie.memberships.models import Member, Membership
from billetterie.memberships.selectors import membership_types_by_product
from billetterie.memberships.services import MemberDetails, membership_cancel, membership_grant

from .models import Order, OrderLine

# what a holder may hold, and how long each text may be
HOLDER_TEXT = {"first_name": 100, "last_name": 100, "phone": 40, "address": 300, "postcode": 20, "city": 100,
               "country": 2}


def split_name(name: str) -> tuple[str, str]:
    """"Marie Curie" -> ("Marie", "Curie"); "Jean-Paul de La Tour" -> ("Jean-Paul", "de La Tour")
    — the first word is the first name; a single word is a last name."""
    words = name.split()
    if len(words) < 2:
        return "", name.strip()
    lowered = [w.lower() for w in words]
    # a particle starts the last name (de, du, des, le, la, van, von…)
    for index in range(1, len(words) - 1):
        if lowered[index] in {"de", "du", "des", "d'", "le", "la", "van", "von", "di", "da"}:
            return " ".join(words[:index]), " ".join(words[index:])
    return " ".join(words[:-1]), words[-1]


def holder_clean(product: Product, name: str, holder: Mapping[str, object], *,
                 renews_member_id: int | None = None) -> dict[str, object]:
    """The holder stored on a membership line (empty for other kinds): typed details checked
    (a first and a last name, a real date of birth in the past), else first and last name split
    from the line's name."""
    if product.kind != ProductKind.MEMBERSHIP:
        return {}
    out: dict[str, object] = {}
    for key, size in HOLDER_TEXT.items():
        value = str(holder.get(key) or "").strip()
        if value:
            out[key] = value[:size]
    if not out.get("first_name") and not out.get("last_name"):
        first, last = split_name(name)
        out.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    if not out.get("last_name"):
        raise InvalidInput(_("Please give the member's last name (“%(name)s”).") % {"name": product.name},
                           code="member_name_required")
    if "country" in out:
        out["country"] = str(out["country"]).upper()
    birth = holder.get("birth_date")
    if birth:
        out["birth_date"] = _birth_date(birth).isoformat()
    if renews_member_id is not None:
        out["member_id"] = renews_member_id
    return out


def _birth_date(value: object) -> date:
    try:
        born = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("Enter a valid date of birth."), code="birth_date_invalid") from None
    today = timezone.localdate(clock.now())
    if born > today or born.year < today.year - 130:
        raise InvalidInput(_("Enter a valid date of birth."), code="birth_date_invalid")
    return born


def holder_details(line: OrderLine) -> MemberDetails:
    holder = line.holder or {}
    first, last = str(holder.get("first_name") or ""), str(holder.get("last_name") or "")
    if not first and not last:
        first, last = split_name(line.attendee_name)
    birth = holder.get("birth_date")
    return MemberDetails(
        first_name=first, last_name=last, email=line.attendee_email or line.order.email,
        phone=str(holder.get("phone") or ""),
        address=str(holder.get("address") or ""), postcode=str(holder.get("postcode") or ""),
        city=str(holder.get("city") or ""), country=str(holder.get("country") or "FR"),
        birth_date=date.fromisoformat(str(birth)) if birth else None,
    )


def memberships_grant_for_order(order: Order, lines: list[OrderLine]) -> None:
    """In the transaction that marks the order paid: each membership line whose product sells a
    membership type grants it (idempotent per line)."""
    wanted = [line for line in lines if line.kind == ProductKind.MEMBERSHIP]
    if not wanted:
        return
    types = membership_types_by_product(product_ids={line.product_id for line in wanted})
    on = timezone.localdate(clock.now())
    for line in wanted:
        membership_type = types.get(line.product_id)
        if membership_type is None:
            continue
        line.order = order
        member_id = (line.holder or {}).get("member_id")
        member = (Member.objects.filter(pk=member_id, organizer_id=order.organizer_id).first()
                  if isinstance(member_id, int) else None)
        membership_grant(membership_type=membership_type, details=holder_details(line), on=on,
                         order_line_id=line.pk, member=member, customer_id=order.customer_id)


def memberships_cancel_for_lines(line_ids: list[int]) -> int:
    """In the transaction of the refund that gave these lines' money back (the whole order, or
    one membership line): the memberships they granted are cancelled — a membership whose money
    went back must no longer pass the door (its card) nor open member prices. How many."""
    ids = list(Membership.objects.filter(order_line_id__in=line_ids, cancelled_at__isnull=True)
               .values_list("pk", flat=True))
    for membership_id in ids:
        membership_cancel(membership_id=membership_id)
    return len(ids)
