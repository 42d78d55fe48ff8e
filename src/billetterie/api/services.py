"""API tokens: create (the token is returned once), touch on use, revoke."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext as _

from billetterie.checkin.models import CheckinList
from billetterie.core import clock
from billetterie.core.audit import audit_record
from billetterie.core.errors import InvalidInput
from billetterie.organizers.models import Organizer

from .models import ApiPermission, ApiToken

TOKEN_PREFIX = "blt_"
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def permissions_parse(value: str | Iterable[str]) -> list[str]:
    """`"read,orders"` or `["read", "orders"]` → the known permission names, in a stable order."""
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {n.strip().lower() for n in names if n.strip()}
    known = {str(p) for p in ApiPermission}
    unknown = sorted(wanted - known)
    if unknown:
        raise InvalidInput(
            _("Unknown permission: %(names)s (known: %(known)s).")
            % {"names": ", ".join(unknown), "known": ", ".join(str(p) for p in ApiPermission)},
            code="permission_unknown",
        )
    if not wanted:
        raise InvalidInput(_("Give a token at least one permission."), code="permission_required")
    return [str(p) for p in ApiPermission if str(p) in wanted]


def api_token_create(
    *, organizer: Organizer, name: str, permissions: str | Iterable[str], created_by: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the token, which is never stored nor shown again.
    `created_by`: the team member making it in the back office, whose token it stays (it works
    only while they may scan for the organiser: `selectors.creator_may_scan`)."""
    granted = permissions_parse(permissions)
    name = name.strip()[:100]
    if not name:
        raise InvalidInput(_("Give the token a name."), code="name_required")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        organizer=organizer,
        name=name,
        token_hash=token_hash(token),
        prefix=token[: len(TOKEN_PREFIX) + 6],
        can_read=ApiPermission.READ in granted,
        can_orders=ApiPermission.ORDERS in granted,
        can_checkin=ApiPermission.CHECKIN in granted,
        created_by=created_by,
    )
    audit_record(action="api_token.created", subject=row, organizer_id=organizer.pk,
                 changes={"name": [None, name], "permissions": [None, sorted(granted)]})
    return row, token


def api_token_touch(*, token: ApiToken) -> None:
    """Record the use, at most once a minute per token and process group (no write in between)."""
    if not cache.add(f"api-token-touched:{token.pk}", 1, int(TOUCH_EVERY.total_seconds())):
        return
    now = clock.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now)


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="api_token.revoked", subject=token, organizer_id=token.organizer_id,
                     changes={"revoked_at": [None, str(token.revoked_at)]})
    api_token_forget(token=token)


def api_token_forget(*, token: ApiToken) -> None:
    """Drop the token from the lookup cache, so a revocation or a change of rights applies at once."""
    cache.delete(f"api-token:{token.token_hash}")


def scanner_token_create(
    *, organizer: Organizer, name: str, created_by: User | None = None
) -> tuple[ApiToken, str]:
    """A new check-in-only API token (the row, and the token, shown once), made by `created_by`."""
    return api_token_create(organizer=organizer, name=name, permissions=[ApiPermission.CHECKIN],
                            created_by=created_by)


def scanner_tokens_of_member_revoke(*, organizer_id: int, user_id: int) -> int:
    """Revoke the tokens this person made for the organiser (they left its team, or their role may
    no longer scan): for good, written to the audit trail. Returns how many."""
    tokens = list(ApiToken.objects.filter(organizer_id=organizer_id, created_by_id=user_id, revoked_at=None))
    for token in tokens:
        api_token_revoke(token=token)
    return len(tokens)


def scanner_url(*, base_url: str, list_id: int, token: str) -> str:
    """The scanner page for a list, the token in the fragment (which browsers never send to the server)."""
    return f"{base_url.rstrip('/')}/checkin/scan/?list={list_id}#token={token}"


def scanner_link_create(*, checkin_list: CheckinList, base_url: str, name: str = "") -> str:
    """A new check-in-only API token, as the scanner page's link (shown once: the token is in the
    fragment, which browsers never send to the server). Revoke it in the admin's API tokens."""
    label = (name or _("Scanner — %(list)s") % {"list": checkin_list.name})[:100]
    _row, token = scanner_token_create(organizer=checkin_list.event.organizer, name=label)
    return scanner_url(base_url=base_url, list_id=checkin_list.pk, token=token)
