"""Capacity: every scarce counted thing, and the only code that writes it (decision 0016).

Today: the quotas' counters (`catalog.Quota.used`, places held or sold) and the holds that take
them (`Hold`). A place is taken with one conditional write on the quota row (`used + n <= size`)
inside the caller's short transaction; there is no event-wide lock. When the write finds no room,
expired holds of that quota are reclaimed in the same transaction and the write is tried once
more. Quotas are always taken in id order so two transactions never wait on each other in a cycle.

A hold belongs to a cart position, then to the order line it became; the domains above name
their holders by id (`position_ids`, `line_ids`), and only these services read or write holds:
take, hold, move to a line, keep for good, extend, release, reclaim expired."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from billetterie.catalog.models import Quota
from billetterie.core import clock
from billetterie.core.errors import SoldOut

from .models import Hold


def _quota_try_take(quota_id: int, count: int) -> bool:
    return bool(Quota.objects.filter(pk=quota_id, used__lte=F("size") - count).update(used=F("used") + count))


def places_take(*, quota_ids: Iterable[int], count: int = 1, now: datetime | None = None) -> None:
    """Take `count` places in every quota, all or nothing. Must run inside a transaction."""
    places_take_counts(counts={quota_id: count for quota_id in quota_ids}, now=now)


def places_take_counts(*, counts: dict[int, int], now: datetime | None = None) -> None:
    """Take the given number of places in each quota, all or nothing. Must run inside a transaction."""
    for quota_id, count in sorted(counts.items()):
        if _quota_try_take(quota_id, count):
            continue
        holds_reclaim_expired(quota_id=quota_id, now=now)
        if not _quota_try_take(quota_id, count):
            raise SoldOut(_("Sorry, there are not enough places left."), details={"quota": quota_id})


def holds_create(*, quota_ids: Iterable[int], expires_at: datetime | None, position_id: int | None = None,
                 line_id: int | None = None) -> None:
    """Record the holds of places just taken (`places_take`), for a cart position or an order line;
    `expires_at` None keeps them for good."""
    Hold.objects.bulk_create(
        Hold(quota_id=q, position_id=position_id, line_id=line_id, expires_at=expires_at) for q in quota_ids
    )


def holds_create_for_lines(*, quota_ids_by_line: Iterable[tuple[int, Iterable[int]]],
                           expires_at: datetime | None) -> None:
    """`holds_create` for many order lines at once (one INSERT)."""
    Hold.objects.bulk_create(
        Hold(quota_id=q, line_id=line_id, expires_at=expires_at) for line_id, ids in quota_ids_by_line for q in ids
    )


def _active(position_ids: Iterable[int] = (), line_ids: Iterable[int] = ()) -> QuerySet[Hold]:
    positions, lines = list(position_ids), list(line_ids)
    holds = Hold.objects.filter(released_at=None)
    if positions and lines:
        raise ValueError("holds of positions or of lines, not both")
    return holds.filter(position_id__in=positions) if positions else holds.filter(line_id__in=lines)


def holds_release(*, position_ids: Iterable[int] = (), line_ids: Iterable[int] = (),
                  now: datetime | None = None) -> int:
    """Release the active holds of these cart positions or order lines and give their places
    back. Must run inside a transaction."""
    return _release(_active(position_ids, line_ids), now)


def _release(holds: QuerySet[Hold], now: datetime | None) -> int:
    now = now or clock.now()
    locked = list(holds.filter(released_at=None).select_for_update(skip_locked=True).values_list("pk", "quota_id"))
    if not locked:
        return 0
    Hold.objects.filter(pk__in=[pk for pk, _q in locked]).update(released_at=now)
    for quota_id, count in sorted(Counter(q for _pk, q in locked).items()):
        Quota.objects.filter(pk=quota_id).update(used=F("used") - count)
    return len(locked)


def holds_reclaim_expired(*, quota_id: int | None = None, now: datetime | None = None) -> int:
    """Give back places whose hold expired: lazily for one quota, or everywhere (sweeper)."""
    now = now or clock.now()
    expired = Hold.objects.filter(released_at=None, expires_at__lt=now)
    if quota_id is not None:
        expired = expired.filter(quota_id=quota_id)
    with transaction.atomic():
        return _release(expired, now)


def holds_extend(*, position_ids: Iterable[int] = (), line_ids: Iterable[int] = (), until: datetime,
                 only_unexpired_at: datetime | None = None) -> int:
    """Move the expiry of active, not yet kept holds to `until` (a cart's clock restarting, an
    order's due date); with `only_unexpired_at`, only holds still valid at that time."""
    holds = _active(position_ids, line_ids).exclude(expires_at=None)
    if only_unexpired_at is not None:
        holds = holds.filter(expires_at__gt=only_unexpired_at)
    return holds.update(expires_at=until)


def holds_move_to_line(*, position_id: int, line_id: int, expires_at: datetime | None) -> int:
    """A cart position became an order line: its active holds are the line's now."""
    return _active([position_id]).update(line_id=line_id, position_id=None, expires_at=expires_at)


def holds_keep(*, line_ids: Iterable[int]) -> int:
    """Keep the lines' active holds for good (sold, or waiting for staff with no due time):
    returns how many were kept."""
    return _active(line_ids=line_ids).update(expires_at=None)


def holds_lock_counts(*, position_ids: Iterable[int] = (), line_ids: Iterable[int] = (),
                      valid_at: datetime | None = None) -> dict[int, int]:
    """Lock the active holds of these holders (valid at `valid_at`, when given) and count them
    per holder: a locked hold is skipped by the sweeper and by buyers reclaiming expired places,
    so what is counted here cannot be released before the caller's commit."""
    positions, lines = list(position_ids), list(line_ids)
    holds = _active(positions, lines)
    if valid_at is not None:
        holds = holds.filter(expires_at__gt=valid_at)
    field = "position_id" if positions else "line_id"
    return dict(Counter(holds.select_for_update().values_list(field, flat=True)))


def holds_count(*, line_ids: Iterable[int]) -> int:
    """How many holds the lines ever had (released ones included)."""
    return Hold.objects.filter(line_id__in=list(line_ids)).count()
