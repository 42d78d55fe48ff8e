"""Rate limits on guessing, counted in the cache shared by every worker (Redis when REDIS_URL is
set, so a limit holds across processes and hosts): failed ticket look-ups per check-in token
(`checkin/ratelimit.py`), wrong order links per client address (`orders/selectors.py`), unknown
order codes per API token.

A limit counts in fixed windows (the key carries the window's number): cheap, one `incr` per
counted event, and a window that ends forgets everything."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

from . import clock
from .errors import DomainError


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    name: str  # the cache keys' prefix
    per_window: int
    window_seconds: int = 60

    def key(self, subject: str) -> str:
        return f"rl:{self.name}:{subject}:{int(clock.now().timestamp()) // self.window_seconds}"

    def seconds_left(self) -> int:
        return self.window_seconds - int(clock.now().timestamp()) % self.window_seconds


def bump(limit: Limit, subject: str) -> int:
    """Count one event for `subject` in the current window; the count so far."""
    key = limit.key(subject)
    if cache.add(key, 1, timeout=limit.window_seconds * 2):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window_seconds * 2)
        return 1


def count(limit: Limit, subject: str) -> int:
    return int(cache.get(limit.key(subject)) or 0)


def refusal(limit: Limit, message: str = "") -> RateLimited:
    return RateLimited(message or _("Too many attempts: wait a minute and try again."),
                       retry_after=limit.seconds_left())


def client_address(request: HttpRequest) -> str:
    """The address of the client, as the outermost proxy we trust saw it.

    Behind `TRUSTED_PROXIES` proxies (one with HTTPS=1: the TLS proxy), each appends the address
    it received from to X-Forwarded-For: the entry that many places from the end is the client's,
    and whatever a client wrote before it is not believed. Directly served, REMOTE_ADDR."""
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0) or 0)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return _network(forwarded[-proxies])
    return _network(str(request.META.get("REMOTE_ADDR", "")))


def _network(address: str) -> str:
    """Who a limit counts: an IPv4 address, or the /64 network of an IPv6 one (one home or phone
    holds a whole /64 and can use a new address for every request); a port a proxy wrote
    ("203.0.113.7:51234", "[2001:db8::1]:443") is not part of it."""
    text = address.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def answer_429(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page view whose guard may raise RateLimited: answered 429 with the message (JSON for a
    `.json` address) and Retry-After, instead of a 500."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except RateLimited as exc:
            response: HttpResponse
            if request.path.endswith(".json"):
                response = JsonResponse({"code": exc.code, "message": exc.message}, status=429)
            else:
                response = HttpResponse(exc.message, status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(exc.retry_after)
            response["Cache-Control"] = "no-store"
            return response

    return wrapped
