"""Organisers' settings and teams: the details buyers see, the logo, who works in the team and with
which role. Every change writes an audit entry in its transaction (staff permissions included)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from billetterie.core import audit, events
from billetterie.core.audit import audit_record
from billetterie.core.errors import Conflict, InvalidInput
from billetterie.core.validation import email_is_valid

from .events import TeamMemberLeft, TeamMemberRoleChanged
from .models import Organizer, OrganizerLogo, Role, TeamMember, siret_is_valid, siret_normalize

ORGANIZER_FIELDS = ("name", "legal_name", "address", "siret", "contact_email", "noreply_email", "terms",
                    "description", "hold_minutes")
HOLD_MINUTES_MIN, HOLD_MINUTES_MAX = 5, 24 * 60


def _invalid(field: str | None, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


# --- details ------------------------------------------------------------------------------------


def organizer_update(*, organizer: Organizer, values: Mapping[str, Any]) -> Organizer:
    """Change the organiser's details (ORGANIZER_FIELDS); refused whole, with the field, when one
    is wrong. The SIRET is stored as its 14 digits."""
    unknown = set(values) - set(ORGANIZER_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    data = dict(values)
    if "name" in data and not str(data["name"]).strip():
        raise _invalid("name", _("Enter the organiser's name."))
    if "siret" in data:
        data["siret"] = siret_normalize(data["siret"])
        if data["siret"] and not siret_is_valid(data["siret"]):
            raise _invalid("siret", _("Enter a SIRET of 14 digits, as on the INSEE's notice (for example "
                                      "732 829 320 00074)."), "invalid_siret")
    for name in ("contact_email", "noreply_email"):
        if name in data:
            data[name] = str(data[name]).strip()
            if not email_is_valid(data[name]):
                raise _invalid(name, _("Enter a valid email address."), "invalid_email")
    if "hold_minutes" in data:
        minutes = data["hold_minutes"]
        if not isinstance(minutes, int) or not HOLD_MINUTES_MIN <= minutes <= HOLD_MINUTES_MAX:
            raise _invalid("hold_minutes", _("Enter a duration between %(low)d and %(high)d minutes.")
                           % {"low": HOLD_MINUTES_MIN, "high": HOLD_MINUTES_MAX})
    with transaction.atomic():
        current = Organizer.objects.select_for_update().get(pk=organizer.pk)
        before = audit.snapshot(current, data)
        for name, value in data.items():
            setattr(current, name, value)
        changes = audit.changed(before, audit.snapshot(current, data))
        if changes:
            current.save(update_fields=list(changes))
            audit_record(action="organizer.changed", subject=current, organizer_id=current.pk, changes=changes)
    for name in data:
        setattr(organizer, name, getattr(current, name))
    return organizer


# --- logo ---------------------------------------------------------------------------------------

LOGO_MAX_BYTES = 2 * 1024 * 1024  # what may be uploaded
LOGO_MAX_PIXELS = 40_000_000  # refused before decoding: a small file can claim a huge image
LOGO_BOX = (800, 400)  # what is kept: the image fitted in this box, as PNG
LOGO_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})


def logo_png(*, data: bytes) -> bytes:
    """The uploaded image checked with Pillow and re-encoded as PNG (fitted in LOGO_BOX, its
    metadata dropped); InvalidInput for anything that is not a PNG, JPEG, GIF or WebP image."""
    from PIL import Image, UnidentifiedImageError

    not_an_image = _invalid("logo", _("This file is not an image: send a PNG, JPEG, GIF or WebP file."),
                            "logo_not_image")
    if len(data) > LOGO_MAX_BYTES:
        raise _invalid("logo", _("This image is too large: at most %(size)d MB.")
                       % {"size": LOGO_MAX_BYTES // (1024 * 1024)}, "logo_too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise not_an_image
            width, height = probe.size
            if width * height > LOGO_MAX_PIXELS:
                raise _invalid("logo", _("This image has too many pixels."), "logo_too_large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            picture = image.convert("RGBA")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise not_an_image from None
    picture.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def organizer_logo_set(*, organizer: Organizer, data: bytes) -> Organizer:
    """Keep an uploaded logo (checked and re-encoded by `logo_png`)."""
    png = logo_png(data=data)
    digest = hashlib.sha256(png).hexdigest()[:16]
    with transaction.atomic():
        before = Organizer.objects.select_for_update().values_list("logo_hash", flat=True).get(pk=organizer.pk)
        OrganizerLogo.objects.update_or_create(organizer=organizer, defaults={"png": png})
        Organizer.objects.filter(pk=organizer.pk).update(logo_hash=digest)
        audit_record(action="organizer.logo_set", subject=organizer, organizer_id=organizer.pk,
                     changes={"logo": [before or None, digest]})
    organizer.logo_hash = digest
    return organizer


def organizer_logo_remove(*, organizer: Organizer) -> Organizer:
    with transaction.atomic():
        before = Organizer.objects.select_for_update().values_list("logo_hash", flat=True).get(pk=organizer.pk)
        OrganizerLogo.objects.filter(organizer=organizer).delete()
        Organizer.objects.filter(pk=organizer.pk).update(logo_hash="")
        if before:
            audit_record(action="organizer.logo_removed", subject=organizer, organizer_id=organizer.pk,
                         changes={"logo": [before, None]})
    organizer.logo_hash = ""
    return organizer


# --- team ---------------------------------------------------------------------------------------

INVITATION_DAYS = 3
_INVITATION_SALT = "billetterie.organizers.invitation"


@dataclass(frozen=True)
class Invitation:
    member: TeamMember
    created_account: bool  # a new account was made for the address
    needs_password: bool  # the person has no password yet: the email carries the link to choose one


def _user_state(user: User) -> str:
    """Changes when the person sets a password or signs in: a link made before is then void."""
    last = user.last_login.isoformat() if user.last_login else ""
    return salted_hmac(_INVITATION_SALT, f"{user.pk}|{user.password}|{last}|{user.is_active}").hexdigest()[:24]


def invitation_token(*, user: User) -> str:
    """The token of the link that lets an invited person choose their password: valid for
    INVITATION_DAYS, once (choosing the password voids it)."""
    return signing.dumps({"u": user.pk, "s": _user_state(user)}, salt=_INVITATION_SALT, compress=True)


def invitation_user(*, token: str) -> User | None:
    """The person a still-valid invitation token names; None for an expired, used or forged one."""
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS))
    except signing.BadSignature:  # SignatureExpired included
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(data.get("s", "")), _user_state(user)):
        return None
    return user


def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited person's password (the caller validated it); the token is void afterwards."""
    with transaction.atomic():
        user = invitation_user(token=token)
        if user is None:
            raise Conflict(_("This invitation link has expired or was already used: ask the team's "
                             "administrator for a new one."), code="invitation_invalid")
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        for member in TeamMember.objects.filter(user=user):
            audit_record(action="team_member.password_chosen", subject=member, organizer_id=member.organizer_id,
                         changes={"account": ["invited", "active"]})
    return user


def _username_for(email: str) -> str:
    base = email.lower()[:140]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def team_member_invite(*, organizer: Organizer, email: str, role: str, first_name: str = "",
                       last_name: str = "") -> Invitation:
    """Add the person with this address to the team with `role`: their account if they have one,
    else a new account without a password (the invitation's link lets them choose it)."""
    email = email.strip()
    if not email_is_valid(email):
        raise _invalid("email", _("Enter a valid email address."), "invalid_email")
    if role not in Role.values:
        raise _invalid("role", _("Choose a role."), "role_unknown")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
        created = user is None
        if user is None:
            user = User(username=_username_for(email), email=email, first_name=first_name.strip()[:150],
                        last_name=last_name.strip()[:150])
            user.set_unusable_password()
            user.save()
        elif TeamMember.objects.filter(organizer=organizer, user=user).exists():
            raise _invalid("email", _("This person is already in the team."), "already_member")
        member = TeamMember.objects.create(organizer=organizer, user=user, role=role)
        audit_record(action="team_member.invited", subject=member, organizer_id=organizer.pk, changes={
            "email": [None, user.email], "role": [None, role], "account": [None, "new" if created else "existing"],
        })
    return Invitation(member=member, created_account=created, needs_password=not user.has_usable_password())


def _admins_after(organizer_id: int, member: TeamMember, new_role: str | None) -> int:
    """How many administrators the team keeps once `member` has `new_role` (None: removed); the
    team's rows locked, so two administrators demoting each other cannot both succeed."""
    roles = dict(TeamMember.objects.select_for_update().filter(organizer_id=organizer_id)
                 .values_list("pk", "role"))
    if new_role is None:
        roles.pop(member.pk, None)
    else:
        roles[member.pk] = new_role
    return sum(1 for role in roles.values() if role == Role.ADMIN)


def _member_locked(organizer: Organizer, member_id: int) -> TeamMember:
    member = TeamMember.objects.select_for_update().select_related("user").filter(
        organizer=organizer, pk=member_id).first()
    if member is None:
        raise Conflict(_("This person is no longer in the team."), code="member_gone")
    return member


def team_member_role_set(*, organizer: Organizer, member_id: int, role: str) -> TeamMember:
    if role not in Role.values:
        raise _invalid("role", _("Choose a role."), "role_unknown")
    with transaction.atomic():
        member = _member_locked(organizer, member_id)
        if member.role == role:
            return member
        if _admins_after(organizer.pk, member, role) == 0:
            raise Conflict(_("The team needs at least one administrator: make someone else administrator "
                             "first."), code="last_admin")
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
        audit_record(action="team_member.role_changed", subject=member, organizer_id=organizer.pk,
                     changes={"role": [before, role]})
        events.publish(TeamMemberRoleChanged(organizer_id=organizer.pk, user_id=member.user_id, role=role))
    return member


def team_member_remove(*, organizer: Organizer, member_id: int) -> None:
    """Take the person out of the team (their account stays, for their other teams)."""
    with transaction.atomic():
        member = _member_locked(organizer, member_id)
        if _admins_after(organizer.pk, member, None) == 0:
            raise Conflict(_("The team needs at least one administrator: make someone else administrator "
                             "first."), code="last_admin")
        audit_record(action="team_member.removed", subject=member, organizer_id=organizer.pk,
                     changes={"email": [member.user.email, None], "role": [member.role, None]})
        member.delete()
        events.publish(TeamMemberLeft(organizer_id=organizer.pk, user_id=member.user_id))
