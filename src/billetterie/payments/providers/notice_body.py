"""Reading a notice's body before it is authenticated: bounded in size and nesting, strict.

Anyone can post to a notice endpoint, so whatever is read before the signature is checked must
fail as a refusal (`NoticeRejected`, a 400), never as an error: `json.loads` raises
RecursionError on `'[' * 100000 + ']' * 100000`, ValueError on a number of 5,000 digits, and
returns a list or a string where every provider expects an object. Providers that can check a
signature over the raw bytes (the sandbox's HMAC, Stripe's) do that first and read the JSON
after; PayPal must send the event itself to its verify API, so its body is bounded here first."""

from __future__ import annotations

import json
import re
from typing import Any

from .base import NoticeRejected

# a payment service's notice is a few kilobytes; nothing legitimate comes near this
MAX_NOTICE_BYTES = 1024 * 1024
# PayPal and Stripe events nest about 6 levels deep (event › resource › amount); json and the
# verify call recurse once per level, so anything deeper than this is refused unread
MAX_JSON_DEPTH = 32
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _brackets_outside_strings(text: str) -> str | None:
    """The brackets of `text` outside its JSON strings, in one pass (None: a string never closes).

    A scan, not a regular expression: a pattern for strings is tried again from every quote, and
    on '"' + '\\"' * n (no string ever closes) that is quadratic: minutes for a 256 KiB body."""
    parts = []
    start, end = 0, len(text)
    while start < end:
        quote = text.find('"', start)
        parts.append(_NOT_BRACKET.sub("", text[start:end if quote < 0 else quote]))
        if quote < 0:
            break
        start = _string_end(text, quote)
        if start < 0:
            return None
    return "".join(parts)


def _string_end(text: str, quote: int) -> int:
    """Where the JSON string opened at `quote` ends (the index after its closing quote), or -1."""
    search = quote + 1
    while True:
        close = text.find('"', search)
        if close < 0:
            return -1
        backslashes = 0
        while text[close - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return close + 1
        search = close + 1


def json_nesting_ok(text: str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets outside strings are balanced and nest at most `max_depth` deep,
    without parsing: each pass removes the innermost pairs (C-speed string replaces, at most
    max_depth of them). Unbalanced brackets are never JSON, and `json.loads` would recurse
    into them before finding out (`'[' * 100000` is a RecursionError too)."""
    brackets = _brackets_outside_strings(text)
    if brackets is None:
        return False
    for _level in range(max_depth):
        shorter = brackets.replace("[]", "").replace("{}", "")
        if not shorter:
            return True
        if shorter == brackets:  # no adjacent pair left: unbalanced
            return False
        brackets = shorter
    return not brackets


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number a payment service sends")


def json_object(body: bytes, *, max_bytes: int = MAX_NOTICE_BYTES, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """The body as a JSON object, or NoticeRejected: too large, not UTF-8, nested too deep, not
    JSON, or JSON that is not an object."""
    if len(body) > max_bytes:
        raise NoticeRejected(f"notice of {len(body)} bytes, more than {max_bytes}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoticeRejected("notice is not UTF-8 text") from exc
    if not json_nesting_ok(text, max_depth):
        raise NoticeRejected(f"notice nested more than {max_depth} levels deep, or unbalanced")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: a last guard, the depth is checked above
        raise NoticeRejected("notice is not JSON") from exc
    if not isinstance(data, dict):
        raise NoticeRejected("notice is not a JSON object")
    return data
