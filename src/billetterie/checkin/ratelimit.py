"""Rate limits on guessing: failed ticket look-ups and searches, per API token, in the cache.

A signed payload cannot be guessed, but a serial (order code + line number) is short, and the
search tells names: both are bounded per token and minute (Redis when REDIS_URL is set, so the
bound holds across workers)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext as _

from billetterie.core import clock
from billetterie.core.errors import DomainError

WINDOW_SECONDS = 60
FAILED_LOOKUPS_PER_WINDOW = 60
SEARCHES_PER_WINDOW = 120


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429


def _key(kind: str, subject: str) -> str:
    return f"checkin:rl:{kind}:{subject}:{int(clock.now().timestamp()) // WINDOW_SECONDS}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _bump(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def _refuse() -> RateLimited:
    return RateLimited(_("Too many attempts: wait a minute and try again."))


def lookups_check(*, subject: str) -> None:
    """Before a scan: refuse when this token failed too many look-ups this minute."""
    if _count(_key("fail", subject)) >= FAILED_LOOKUPS_PER_WINDOW:
        raise _refuse()


def lookup_failed(*, subject: str) -> None:
    _bump(_key("fail", subject))


def search_check(*, subject: str) -> None:
    if _bump(_key("search", subject)) > SEARCHES_PER_WINDOW:
        raise _refuse()
