"""The signed links of a renewal reminder: renew this membership, stop the reminders.

Each is a `django.core.signing` token (the site's secret key, one salt per use, so a stop link
never renews and the other way round) carrying the ids it is for and the time it was made; it
expires (a reminder's renewal link after 60 days, its stop link after a year). A link read back
gives the rows it names, or `LinkInvalid` with a message for people."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from billetterie.core.errors import DomainError

from .models import Member, Membership

RENEWAL_SALT = "billetterie.memberships.renewal"
STOP_SALT = "billetterie.memberships.reminders-stop"
RENEWAL_MAX_AGE = timedelta(days=60)
STOP_MAX_AGE = timedelta(days=365)


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 400


class LinkExpired(LinkInvalid):
    code = "link_expired"
    status = 410


def renewal_token(*, membership: Membership) -> str:
    return signing.dumps({"m": membership.pk, "p": membership.member_id}, salt=RENEWAL_SALT)


def stop_token(*, member: Member) -> str:
    return signing.dumps({"p": member.pk, "o": member.organizer_id}, salt=STOP_SALT)


def _load(token: str, salt: str, max_age: timedelta) -> dict[str, int]:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired(_("This link has expired. Please contact the organiser, or buy again from the shop."
                            )) from None
    except signing.BadSignature:
        raise LinkInvalid(_("This link is not valid. Please check that it was copied in full.")) from None
    if not isinstance(data, dict) or not all(isinstance(v, int) for v in data.values()):
        raise LinkInvalid(_("This link is not valid. Please check that it was copied in full."))
    return data


def renewal_token_read(*, token: str, organizer_id: int) -> Membership:
    """The membership a renewal link is for (of this organiser, its member unchanged)."""
    data = _load(token, RENEWAL_SALT, RENEWAL_MAX_AGE)
    membership = (Membership.objects.select_related("member", "type__product__event")
                  .filter(pk=data.get("m", 0), member_id=data.get("p", 0), member__organizer_id=organizer_id).first())
    if membership is None:
        raise LinkInvalid(_("This link is not valid. Please check that it was copied in full."))
    return membership


def stop_token_read(*, token: str, organizer_id: int) -> Member:
    data = _load(token, STOP_SALT, STOP_MAX_AGE)
    member = Member.objects.filter(pk=data.get("p", 0), organizer_id=organizer_id).first()
    if member is None or data.get("o") != organizer_id:
        raise LinkInvalid(_("This link is not valid. Please check that it was copied in full."))
    return member
