"""The Content-Security-Policy, widened per response (decision 0011).

Every page gets the strict policy of `settings.CONTENT_SECURITY_POLICY` (our own origin only, no
inline script or style, no frames, no plugins, not framed). A response that needs more names it
with `allow(response, Sources(...))`: a payment page adds what its payment service needs (computed
from the provider and the organiser's settings, never a site-wide list of every PSP), the scanner
adds the `blob:` worker of its QR decoder."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar
from urllib.parse import urlsplit

from csp.constants import NONE
from django.conf import settings
from django.http import HttpResponseBase

Response = TypeVar("Response", bound=HttpResponseBase)


@dataclass(frozen=True)
class Sources:
    """Sources to add to the base policy, directive by directive (CSP source expressions)."""

    form_action: tuple[str, ...] = ()  # where a form may send the browser, redirects included
    script_src: tuple[str, ...] = ()
    frame_src: tuple[str, ...] = ()
    connect_src: tuple[str, ...] = ()
    img_src: tuple[str, ...] = ()
    style_src: tuple[str, ...] = ()
    worker_src: tuple[str, ...] = ()

    def __or__(self, other: Sources) -> Sources:
        return Sources(**{f.name: _unique(getattr(self, f.name) + getattr(other, f.name)) for f in fields(self)})

    def directives(self) -> dict[str, list[str]]:
        """The non-empty directives, named as in the header (`form-action`…)."""
        return {f.name.replace("_", "-"): list(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def origin(url: str) -> str:
    """`https://host[:port]` of an absolute http(s) URL, "" for anything else (a path on our own
    site needs nothing beyond 'self')."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.lower()}"


def allow(response: Response, sources: Sources) -> Response:
    """Add `sources` to the policy of this one response (django-csp's per-response replacement,
    the dynamic form of its `csp_replace` decorator). Each widened directive is written in full:
    the base's value (less a 'none', which must stand alone) plus the sources."""
    extra = sources.directives()
    if not extra:
        return response
    replace: dict[str, list[str]] = dict(getattr(response, "_csp_replace", None) or {})
    base = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    for directive, values in extra.items():
        current = replace.get(directive) or base.get(directive) or base.get("default-src") or []
        kept = [v for v in current if v != NONE]
        replace[directive] = list(dict.fromkeys([*kept, *values]))
    response._csp_replace = replace  # type: ignore[attr-defined]
    return response
