"""Reads of customer accounts (issue 12, item 5).

The shop keeps the signed-in customer of an organiser in the session under
`f"customer:{organizer_id}"` (one key per organiser: each association keeps its own accounts), as
the account's id and a digest of its email address and password (`session_value`): a session
opened before the address or the password changed is signed out, as Django does for staff. So
whoever asked for an address change cannot stay in the account once its new owner confirmed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.crypto import constant_time_compare, salted_hmac

from billetterie.customers.models import Customer


def session_key(organizer_id: int) -> str:
    return f"customer:{organizer_id}"


def _credentials_digest(customer: Customer) -> str:
    return salted_hmac("billetterie.customers.session", f"{customer.email}\n{customer.password}",
                       algorithm="sha256").hexdigest()


def session_value(customer: Customer) -> list[Any]:
    """What the session keeps of a signed-in customer (JSON: a list, not a tuple)."""
    return [customer.pk, _credentials_digest(customer)]


def customer_signed_in(session: Mapping[str, Any], organizer_id: int) -> Customer | None:
    """The customer signed in to this organiser's shop in this session, or None.

    A stale pk (account deleted), one of another organiser, or a digest of an address or a password
    the account no longer has gives None: the row is read with the organiser in the filter, so a
    session cannot cross tenants."""
    value = session.get(session_key(organizer_id))
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    customer = Customer.objects.filter(pk=value[0], organizer_id=organizer_id).first()
    if customer is None or not constant_time_compare(value[1], _credentials_digest(customer)):
        return None
    return customer
