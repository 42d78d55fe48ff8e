"""Reads for the API that the domains do not offer yet (kept here, read-only)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext as _

from billetterie.catalog.models import Event, EventDate, Price, Product
from billetterie.core.errors import NotFound
from billetterie.core.ratelimit import Limit, bump, count, refusal
from billetterie.orders.models import Order, OrderLine
from billetterie.organizers.permissions import ROLE_PERMS, Perm
from billetterie.payments.models import Payment

from .models import ApiToken
from .services import TOKEN_PREFIX, token_hash

TOKEN_CACHE_SECONDS = 10
# the roles whose members' scanner links work: those that may scan or run the check-in
SCANNING_ROLES = sorted(role for role, perms in ROLE_PERMS.items() if perms & {Perm.SCAN, Perm.CHECKIN})


def creator_may_scan() -> Q:
    """A token made by a team member (a scanner link from the back office) works only while that
    person is active and in the organiser's team with a role that may scan: checked at each use
    (with the token's lookup, one query, kept TOKEN_CACHE_SECONDS), so a member removed or whose
    role changed stops their links within seconds, whatever the path that changed it (the back
    office, the admin, an account turned off). Tokens made by no member (the operators', the
    command line's) are not concerned. Leaving the team also revokes them for good (the
    `TeamMemberLeft` event, api/subscribers.py)."""
    return Q(created_by=None) | Q(
        created_by__is_active=True,
        created_by__teams__organizer_id=F("organizer_id"),
        created_by__teams__role__in=SCANNING_ROLES,
    )


def api_token_cache_key(hashed: str) -> str:
    return f"api-token:{hashed}"


def api_token_by_secret(*, token: str) -> ApiToken | None:
    """The live token with this secret, or None. Looked up by hash: no secret comparison.

    Kept a few seconds in the cache (one query less per API call in a rush); revoking or editing
    a token drops it from the cache at once."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    hashed = token_hash(token)
    row: ApiToken | None = cache.get(api_token_cache_key(hashed))
    if row is None:
        row = (ApiToken.objects.select_related("organizer").filter(token_hash=hashed, revoked_at=None)
               .filter(creator_may_scan()).first())
        if row is not None:
            cache.set(api_token_cache_key(hashed), row, TOKEN_CACHE_SECONDS)
    return row


def scanner_tokens_of(*, organizer_id: int) -> list[ApiToken]:
    """The organiser's live tokens that may only check tickets in: the scanners' links."""
    return list(
        ApiToken.objects.filter(organizer_id=organizer_id, revoked_at=None, can_checkin=True, can_read=False,
                                can_orders=False).filter(creator_may_scan())
        .select_related("created_by").order_by("-created_at", "-id")
    )


def scanner_token_live(*, organizer_id: int, token_id: int, token: str) -> bool:
    """Whether this token (kept by the person's session) is still that live scanner token."""
    return ApiToken.objects.filter(pk=token_id, organizer_id=organizer_id, revoked_at=None, can_checkin=True,
                                   token_hash=token_hash(token)).filter(creator_may_scan()).exists()


def events_of_organizer(*, organizer_id: int, section: str | None = None) -> list[Event]:
    """Every event of the organiser (drafts included), with dates, products and prices."""
    qs = Event.objects.filter(organizer_id=organizer_id)
    if section:
        qs = qs.filter(section=section)
    return list(
        qs.prefetch_related(
            Prefetch("dates", queryset=EventDate.objects.select_related("capacity_quota").order_by("start")),
            Prefetch(
                "products",
                queryset=Product.objects.prefetch_related(
                    Prefetch("prices", queryset=Price.objects.order_by("position", "id")), "quotas"
                ).order_by("position", "id"),
            ),
        ).order_by("theme", "position", "title")
    )


# unknown order codes one API token may ask for: a client that reads orders by the codes it stored
# never comes near it, one that tries codes gets a 429 for the rest of the minute
ORDER_CODE_GUESSES = Limit("api-order-code", per_window=120, window_seconds=60)


def order_of_organizer(*, organizer_id: int, code: str, guesser: str = "") -> Order:
    """An order of the organiser by its code. With `guesser` (who asks: an API token), its
    unknown codes are counted and, past ORDER_CODE_GUESSES, it is refused (RateLimited, 429)."""
    if guesser and count(ORDER_CODE_GUESSES, guesser) >= ORDER_CODE_GUESSES.per_window:
        raise refusal(ORDER_CODE_GUESSES)
    order = (
        Order.objects.filter(organizer_id=organizer_id, code=code.strip().upper()[:12])
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("payments", queryset=Payment.objects.order_by("id")),
        )
        .first()
    )
    if order is None:
        if guesser:
            bump(ORDER_CODE_GUESSES, guesser)
        raise NotFound(_("Order not found."))
    return order
