"""Checks of what people and API clients type, shared by every entry point (shop, API, services)."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.core.validators import EmailValidator

_EMAIL = EmailValidator()
# an address is written into mail headers: a line break there would add headers of its own (a
# "Bcc:"), and no other control character belongs in one either
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F))


def email_is_valid(value: object) -> bool:
    """Whether mail can be addressed to `value`: what the shop's form accepts (Django's
    EmailValidator: "a@" and "a@b" are refused) and no line break or other control character
    anywhere. `value` is checked as given: callers strip surrounding spaces first if they want to."""
    return isinstance(value, str) and bool(value) and _mailable(value)


# an order checks the same address several times (the schema, then the service; the buyer, then
# each attendee, often the same person), and the header parsing below is the costly part
@functools.lru_cache(maxsize=4096)
def _mailable(value: str) -> bool:
    if _CONTROL.intersection(value):
        return False
    try:
        _EMAIL(value)
        # what sending does with it: a domain IDNA cannot encode (U+FFFD…) passes the validator
        # and then fails every attempt to send
        sanitize_address(value, "utf-8")
    except (ValidationError, ValueError, UnicodeError):
        return False
    return True
