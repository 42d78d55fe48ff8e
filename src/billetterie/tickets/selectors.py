"""Reads of ticket signing data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billetterie.core.errors import NotFound

from .models import EventKey


def event_public_key(*, event_id: int) -> bytes:
    """The raw 32-byte Ed25519 public key scanners verify this event's tickets with.

    Raises NotFound when the event has no key yet: it is made with the first ticket sold, or
    ahead of time by tickets.services.event_key_get_or_create."""
    public_key = EventKey.objects.filter(event_id=event_id).values_list("public_key", flat=True).first()
    if public_key is None:
        raise NotFound(_("This event has no ticket signing key yet."), code="no_event_key")
    return bytes(public_key)
