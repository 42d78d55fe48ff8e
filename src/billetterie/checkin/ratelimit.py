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


_blocked_until: dict[str, float] = {}  # per process: subject -> timestamp; no cache call per scan


def lookups_check(*, subject: str) -> None:
    """Before a scan: refuse a token that failed too many look-ups this minute. Read from this
    process's memory, so a scan that goes well costs no cache round trip."""
    until = _blocked_until.get(subject)
    if until is not None and until > clock.now().timestamp():
        raise _refuse()


def lookup_failed(*, subject: str) -> None:
    """After a failed look-up: count it (shared by every worker); past the limit, refuse this one
    too and block the token in this process for the rest of the window."""
    count = _bump(_key("fail", subject))
    if count >= FAILED_LOOKUPS_PER_WINDOW:
        if len(_blocked_until) > 10_000:
            _blocked_until.clear()
        _blocked_until[subject] = clock.now().timestamp() + WINDOW_SECONDS
    if count > FAILED_LOOKUPS_PER_WINDOW:
        raise _refuse()


def search_check(*, subject: str) -> None:
    if _bump(_key("search", subject)) > SEARCHES_PER_WINDOW:
        raise _refuse()
