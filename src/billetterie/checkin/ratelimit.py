"""Rate limits on guessing at the door: failed ticket look-ups and searches, per API token
(counted by core/ratelimit.py, in the cache every worker shares).

A signed payload cannot be guessed, but a serial (order code + line number) is short, and the
search tells names: both are bounded per token and minute."""

from __future__ import annotations

from billetterie.core import clock
from billetterie.core.ratelimit import Limit, RateLimited, bump, refusal

__all__ = ["RateLimited", "lookup_failed", "lookups_check", "search_check"]

WINDOW_SECONDS = 60
FAILED_LOOKUPS_PER_WINDOW = 60
SEARCHES_PER_WINDOW = 120


def _lookups() -> Limit:  # read at each call: the tests lower the numbers
    return Limit("checkin:fail", FAILED_LOOKUPS_PER_WINDOW, WINDOW_SECONDS)


def _searches() -> Limit:
    return Limit("checkin:search", SEARCHES_PER_WINDOW, WINDOW_SECONDS)


_blocked_until: dict[str, float] = {}  # per process: subject -> timestamp; no cache call per scan


def lookups_check(*, subject: str) -> None:
    """Before a scan: refuse a token that failed too many look-ups this minute. Read from this
    process's memory, so a scan that goes well costs no cache round trip."""
    until = _blocked_until.get(subject)
    if until is not None and until > clock.now().timestamp():
        raise refusal(_lookups())


def lookup_failed(*, subject: str) -> None:
    """After a failed look-up: count it (shared by every worker); past the limit, refuse this one
    too and block the token in this process for the rest of the window."""
    limit = _lookups()
    count = bump(limit, subject)
    if count >= limit.per_window:
        if len(_blocked_until) > 10_000:
            _blocked_until.clear()
        _blocked_until[subject] = clock.now().timestamp() + limit.window_seconds
    if count > limit.per_window:
        raise refusal(limit)


def search_check(*, subject: str) -> None:
    limit = _searches()
    if bump(limit, subject) > limit.per_window:
        raise refusal(limit)
