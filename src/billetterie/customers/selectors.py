"""Reads of customer accounts (issue 12, item 5).

The shop keeps the signed-in customer of an organiser in the session under
`f"customer:{organizer_id}"` (one key per organiser: each association keeps its own accounts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billetterie.customers.models import Customer


def session_key(organizer_id: int) -> str:
    return f"customer:{organizer_id}"


def customer_signed_in(session: Mapping[str, Any], organizer_id: int) -> Customer | None:
    """The customer signed in to this organiser's shop in this session, or None.

    A stale pk (account deleted) or one of another organiser gives None: the row is read with the
    organiser in the filter, so a session cannot cross tenants."""
    pk = session.get(session_key(organizer_id))
    if not isinstance(pk, int):
        return None
    return Customer.objects.filter(pk=pk, organizer_id=organizer_id).first()
