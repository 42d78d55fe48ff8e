"""Figures over all of an organiser's orders (the dashboard's, the orders list's totals) kept while
nothing of the organiser changed, and brought up to date from what changed (decision 0026, amended).

Every change of an order, a payment, a refund, a ticket or the catalogue writes an audit entry in
its own transaction (`core.audit`), so the organiser's audit trail says whether figures computed
earlier still hold. Its latest id alone does not: ids are taken when a transaction writes, not
when it commits, so a sale that commits just after a later one (an entry of a lower id appearing
after the figures were computed) would leave the latest id unchanged and the figures stale. The
stamp is therefore the latest id **and** the number of entries written since `LATE_COMMIT` before
the figures were computed: a change that commits late adds to that number. Both are index reads
(`core` 0004: the entries by organiser and time).

Figures that know how to bring themselves up to date (`refresh`) are given the time from which
entries may be new to them, and recompute only what those entries touch (the dashboard: the days
and the dates/products of the orders changed); every `MAX_AGE` they are computed from scratch all
the same, so that nothing could drift for longer. The cache is Django's (per process by default,
Redis when set): nothing has to be told to drop anything, each process compares the stamp itself."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from billetterie.core import clock
from billetterie.core.models import AuditEntry

T = TypeVar("T")

# the bound on how long figures may lag behind a change that wrote no audit entry, and how often
# figures brought up to date are computed from scratch
MAX_AGE = timedelta(seconds=300)
# the longest a transaction that wrote an audit entry stays open before it commits: an entry
# written earlier than this before the figures were computed was committed when they were
LATE_COMMIT = timedelta(seconds=120)
# bench/backoffice/run.sh's FIGURES_CACHE=0: every view computes, to measure what a view after a
# change costs (never needed in production)
_ENABLED = os.environ.get("BILLETTERIE_FIGURES_CACHE", "1") != "0"


@dataclass(frozen=True)
class Stamp:
    latest_id: int
    recent: int  # entries written since the `since` it was read for


@dataclass(frozen=True)
class _Kept(Generic[T]):
    value: T
    computed_at: datetime  # when the stamp was read, before the figures were
    stamp: Stamp
    from_scratch_at: datetime  # when they were last computed from scratch


def organizer_stamp(*, organizer_id: int, since: datetime) -> Stamp:
    """The organiser's latest audit entry id and the number of its entries written since `since`."""
    latest = AuditEntry.objects.filter(organizer_id=organizer_id).aggregate(latest=Max("id"))["latest"]
    recent = AuditEntry.objects.filter(organizer_id=organizer_id, at__gte=since).aggregate(n=Count("id"))["n"]
    return Stamp(int(latest or 0), int(recent or 0))


def _orders_changed(organizer_id: int, kept: _Kept[Any]) -> QuerySet[AuditEntry, Any]:
    """The ids of the organiser's orders that may have changed since `kept` was computed (a
    subquery): those with an entry written since `LATE_COMMIT` before, or of a later id (whatever
    its time says: another process's clock, a test's)."""
    since = kept.computed_at - LATE_COMMIT
    return (AuditEntry.objects.filter(Q(at__gte=since) | Q(id__gt=kept.stamp.latest_id), organizer_id=organizer_id)
            .exclude(order_id=None).values("order_id"))


def figures_cached(*, organizer_id: int, name: str, key: object, compute: Callable[[], T],
                   refresh: Callable[[T, QuerySet[AuditEntry, Any]], T] | None = None) -> T:
    """`compute()`'s result, reused while the organiser's audit trail stands still. `key`
    (anything with a stable repr: dates, ids, SQL and its parameters) tells apart the figures of
    one `name` (the period, the filters). With `refresh`, figures kept but no longer current are
    brought up to date by `refresh(kept, changed)` (`changed`: the ids of the orders that may
    have changed since, a subquery) instead of computed again."""
    if not _ENABLED:
        return compute()
    digest = hashlib.sha256(repr((connection.settings_dict["NAME"], key)).encode()).hexdigest()[:32]
    cache_key = f"figures:{name}:{organizer_id}:{digest}"
    now = clock.now()
    kept: _Kept[T] | None = cache.get(cache_key)
    if kept is not None and now - kept.from_scratch_at >= MAX_AGE:
        kept = None
    since = kept.computed_at - LATE_COMMIT if kept is not None else now
    if kept is not None and organizer_stamp(organizer_id=organizer_id, since=since) == kept.stamp:
        return kept.value
    # the stamp is read before the figures: a change committed while they are computed makes the
    # next view bring them up to date again, never a stale figure kept as current
    stamp = organizer_stamp(organizer_id=organizer_id, since=now - LATE_COMMIT)
    if kept is not None and refresh is not None:
        value, from_scratch_at = refresh(kept.value, _orders_changed(organizer_id, kept)), kept.from_scratch_at
    else:
        value, from_scratch_at = compute(), now
    cache.set(cache_key, _Kept(value, now, stamp, from_scratch_at), int(MAX_AGE.total_seconds()))
    return value
