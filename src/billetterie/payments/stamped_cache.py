"""Figures over all of an organiser's orders (the dashboard's, the orders list's totals) kept while
nothing of the organiser changed (decision 0026).

Every change of an order, a payment, a refund, a ticket or the catalogue writes an audit entry in
its own transaction (`core.audit`), so the organiser's latest audit entry is a version stamp of
its data: one indexed read tells whether figures computed earlier still hold. The stamp is read
before the figures are computed, so a change committed in between only makes the next view
compute them again. A change made without an audit entry (which the rules forbid) shows after at
most `MAX_AGE` seconds. The cache is Django's (per process by default, Redis when set): nothing
has to be told to drop anything, each process compares the stamp itself."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from billetterie.core.models import AuditEntry

T = TypeVar("T")

# the bound on how long figures may lag behind a change that wrote no audit entry
MAX_AGE = 300
_MISSING = object()
# bench/backoffice/run.sh's FIGURES_CACHE=0: every view computes, to measure what a view after a
# change costs (never needed in production)
_ENABLED = os.environ.get("BILLETTERIE_FIGURES_CACHE", "1") != "0"


def organizer_stamp(*, organizer_id: int) -> int:
    """The id of the organiser's latest audit entry (0 before any)."""
    latest = (AuditEntry.objects.filter(organizer_id=organizer_id).order_by("-id")
              .values_list("id", flat=True).first())
    return int(latest or 0)


def figures_cached(*, organizer_id: int, name: str, key: object, compute: Callable[[], T]) -> T:
    """`compute()`'s result, reused while the organiser's stamp is the one it was computed at.
    `key` (anything with a stable repr: dates, ids, SQL and its parameters) tells apart the
    figures of one `name` (the period, the filters)."""
    if not _ENABLED:
        return compute()
    stamp = organizer_stamp(organizer_id=organizer_id)
    digest = hashlib.sha256(repr((connection.settings_dict["NAME"], key)).encode()).hexdigest()[:32]
    cache_key = f"figures:{name}:{organizer_id}:{stamp}:{digest}"
    value = cache.get(cache_key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(cache_key, value, MAX_AGE)
    return value  # type: ignore[return-value]
