"""Daily, monthly and yearly closures: entries of the journal itself, each recording its period's
totals (per kind and per VAT rate), the cumulative total of the enclosing period (month to date
for a day, year to date for a month) and the perpetual total since the first entry.

A day is closed once it is over (in the site's time zone), a month once its last day is, a year
likewise; only periods with entries get a closure. Each closure is written once: the unique
(organizer, kind, period) constraint refuses a second one, so the job may run twice, or on two
hosts at once. A day's closure covers the entries after the previous day closure's last one, up to
the last recorded before midnight: entries are numbered in time order (services.journal_append),
so no entry falls between two closures."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billetterie.core import clock

from .models import CLOSURE_KINDS, EntryKind, JournalEntry, JournalKey
from .services import journal_append

# how each kind moves the net takings: a sale adds, a refund gives back, a failed refund undoes
# its refund; documents (invoices, credit notes) and cancellations record, they move no money
NET_SIGN = {EntryKind.SALE: 1, EntryKind.REFUND: -1, EntryKind.REFUND_FAILED: 1}


@dataclass
class Totals:
    entries: int = 0
    first_sequence: int = 0
    last_sequence: int = 0
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    net_cents: int = 0
    net_vat: dict[str, dict[str, int]] = field(default_factory=dict)
    sales_cents: int = 0
    refunds_cents: int = 0

    def add_entry(self, sequence: int, kind: str, payload: dict[str, Any]) -> None:
        self.entries += 1
        self.first_sequence = self.first_sequence or sequence
        self.last_sequence = sequence
        total, vat = int(payload.get("total_cents", 0)), payload.get("vat", {})
        self._add_kind(kind, {"count": 1, "total_cents": total, "vat": vat})
        sign = NET_SIGN.get(EntryKind(kind), 0)
        self.net_cents += sign * total
        _vat_add(self.net_vat, vat, sign)
        if kind == EntryKind.SALE:
            self.sales_cents += total
        elif sign:
            self.refunds_cents -= sign * total

    def add_closure(self, payload: dict[str, Any]) -> None:
        """A lower closure's totals into this one (the days of a month, the months of a year)."""
        self.entries += payload["entries"]
        self.first_sequence = self.first_sequence or payload["first_sequence"]
        self.last_sequence = payload["last_sequence"]
        for kind, totals in payload["totals"].items():
            self._add_kind(kind, totals)
        self.net_cents += payload["net_cents"]
        _vat_add(self.net_vat, payload["net_vat"], 1)
        self.sales_cents += payload["sales_cents"]
        self.refunds_cents += payload["refunds_cents"]

    def _add_kind(self, kind: str, totals: dict[str, Any]) -> None:
        mine = self.by_kind.setdefault(kind, {"count": 0, "total_cents": 0, "vat": {}})
        mine["count"] += totals["count"]
        mine["total_cents"] += totals["total_cents"]
        _vat_add(mine["vat"], totals["vat"], 1)

    def payload(self, *, period: str, cumulative_net_cents: int, perpetual: dict[str, int]) -> dict[str, Any]:
        return {
            "period": period, "entries": self.entries, "first_sequence": self.first_sequence,
            "last_sequence": self.last_sequence, "totals": self.by_kind, "net_cents": self.net_cents,
            "net_vat": self.net_vat, "sales_cents": self.sales_cents, "refunds_cents": self.refunds_cents,
            "cumulative_net_cents": cumulative_net_cents, "perpetual": perpetual,
        }


def _vat_add(into: dict[str, dict[str, int]], vat: dict[str, dict[str, int]], sign: int) -> None:
    for rate, amounts in vat.items():
        mine = into.setdefault(rate, {"ttc_cents": 0, "vat_cents": 0})
        mine["ttc_cents"] += sign * int(amounts["ttc_cents"])
        mine["vat_cents"] += sign * int(amounts["vat_cents"])


def _payload_of(body: str) -> dict[str, Any]:
    return dict(json.loads(body)["payload"])


def _last_closure(organizer_id: int, kind: str) -> dict[str, Any] | None:
    body = (JournalEntry.objects.filter(organizer_id=organizer_id, kind=kind).order_by("-sequence")
            .values_list("body", flat=True).first())
    return _payload_of(body) if body else None


def _perpetual(last: dict[str, Any] | None, totals: Totals) -> dict[str, int]:
    before = last["perpetual"] if last else {"sales_cents": 0, "refunds_cents": 0, "net_cents": 0}
    return {"sales_cents": before["sales_cents"] + totals.sales_cents,
            "refunds_cents": before["refunds_cents"] + totals.refunds_cents,
            "net_cents": before["net_cents"] + totals.net_cents}


def _write(organizer_id: int, kind: str, period: str, payload: dict[str, Any]) -> JournalEntry | None:
    try:
        with transaction.atomic():
            sequence = journal_append(organizer_id=organizer_id, kind=kind, payload=payload, period=period)
    except IntegrityError:  # closed meanwhile by another run of the job: that closure stands
        return None
    return JournalEntry.objects.get(organizer_id=organizer_id, sequence=sequence)


def _days_pending(organizer_id: int, after: int, before: datetime) -> Iterator[tuple[date, Totals]]:
    """The days not yet closed, before `before`, each with its entries' totals, in order."""
    rows = (JournalEntry.objects.filter(organizer_id=organizer_id, sequence__gt=after, created_at__lt=before)
            .exclude(kind__in=CLOSURE_KINDS).order_by("sequence")
            .values_list("sequence", "kind", "created_at", "body").iterator(chunk_size=2000))
    day: date | None = None
    totals = Totals()
    for sequence, kind, created_at, body in rows:
        local = timezone.localdate(created_at)
        if day is not None and local > day:
            yield day, totals
            totals = Totals()
        day = local if day is None or local > day else day
        totals.add_entry(sequence, kind, _payload_of(body))
    if day is not None:
        yield day, totals


def _close_days(organizer_id: int, today: date) -> list[JournalEntry]:
    last = _last_closure(organizer_id, EntryKind.CLOSURE_DAY)
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    written = []
    for day, totals in _days_pending(organizer_id, last["last_sequence"] if last else 0, midnight):
        same_month = last is not None and last["period"][:7] == day.isoformat()[:7]
        payload = totals.payload(
            period=day.isoformat(), perpetual=_perpetual(last, totals),
            cumulative_net_cents=(last["cumulative_net_cents"] if same_month and last else 0) + totals.net_cents)
        entry = _write(organizer_id, EntryKind.CLOSURE_DAY, day.isoformat(), payload)
        written += [entry] if entry else []
        last = payload
    return written


def _close_above(organizer_id: int, *, kind: str, lower: str, length: int, current: str,
                 enclosing: int) -> list[JournalEntry]:
    """Months from their days (period length 7, enclosed in a year: 4), years from their months
    (length 4, enclosing nothing: 0): the periods before `current` not yet closed."""
    last = _last_closure(organizer_id, kind)
    # the lower periods after the last closed one: "2025-03~" sorts after every day of March 2025
    after = last["period"] + "~" if last else ""
    bodies = (JournalEntry.objects.filter(organizer_id=organizer_id, kind=lower, period__gt=after)
              .order_by("sequence").values_list("body", flat=True))
    groups: dict[str, list[dict[str, Any]]] = {}
    for payload in map(_payload_of, bodies):
        if payload["period"][:length] < current:
            groups.setdefault(payload["period"][:length], []).append(payload)
    written = []
    for period, lowers in sorted(groups.items()):
        totals = _sum(lowers)
        same = enclosing and last is not None and last["period"][:enclosing] == period[:enclosing]
        payload = totals.payload(period=period, perpetual=lowers[-1]["perpetual"],
                                 cumulative_net_cents=(last["cumulative_net_cents"] if same and last else 0)
                                 + totals.net_cents)
        entry = _write(organizer_id, kind, period, payload)
        written += [entry] if entry else []
        last = payload
    return written


def _sum(payloads: Iterable[dict[str, Any]]) -> Totals:
    totals = Totals()
    for payload in payloads:
        totals.add_closure(payload)
    return totals


def closures_write(*, organizer_id: int, now: datetime | None = None) -> list[JournalEntry]:
    """Close every period of the organiser's journal that is over and not yet closed."""
    today = timezone.localdate(now or clock.now())
    return [
        *_close_days(organizer_id, today),
        *_close_above(organizer_id, kind=EntryKind.CLOSURE_MONTH, lower=EntryKind.CLOSURE_DAY, length=7,
                      current=today.isoformat()[:7], enclosing=4),
        *_close_above(organizer_id, kind=EntryKind.CLOSURE_YEAR, lower=EntryKind.CLOSURE_MONTH, length=4,
                      current=today.isoformat()[:4], enclosing=0),
    ]


def closures_write_due(*, now: datetime | None = None) -> int:
    """The periodic job: every organiser with a journal (one signing key each)."""
    organizer_ids = JournalKey.objects.values_list("organizer_id", flat=True).distinct().order_by("organizer_id")
    return sum(len(closures_write(organizer_id=organizer_id, now=now)) for organizer_id in organizer_ids)
