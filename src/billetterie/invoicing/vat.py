"""From prices including VAT to an invoice's lines and VAT breakdown, to the cent.

Prices are VAT included (decision 0027: `vat_rate_bp`, hundredths of a percent). Per rate, the
amount excluding VAT is chosen so that VAT = round(net × rate) and net + VAT = the amount paid
(EN 16931, BR-CO-17: the VAT of a category is its basis times its rate); the lines of that rate
share the net by largest remainder, so that lines, categories and totals all add up exactly and
the total is what the buyer paid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class Item:
    """What was sold (or is credited): a label, how many, the unit price VAT included, the rate."""

    label: str
    quantity: int
    unit_cents: int
    vat_rate_bp: int

    @property
    def gross_cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass(frozen=True)
class Computed:
    lines: list[dict[str, Any]]
    breakdown: list[dict[str, int]]
    net_cents: int
    vat_cents: int
    gross_cents: int


def vat_of(net_cents: int, rate_bp: int) -> int:
    return int((Decimal(net_cents) * rate_bp / 10000).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def net_of(gross_cents: int, rate_bp: int) -> int:
    """The amount excluding VAT of `gross_cents` VAT included, with net + VAT(net) = gross when
    such a net exists (it does but for a rare cent at odd rates: then the nearest)."""
    if rate_bp == 0:
        return gross_cents
    guess = int((Decimal(gross_cents) * 10000 / (10000 + rate_bp)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    for net in (guess, guess - 1, guess + 1):
        if net + vat_of(net, rate_bp) == gross_cents:
            return net
    return guess


def share(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` by largest remainder: the parts add up to `total`."""
    weight = sum(weights)
    if weight == 0:
        return [total] + [0] * (len(weights) - 1) if weights else []
    parts = [total * w // weight for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def grouped(items: list[Item]) -> list[Item]:
    """Identical items (label, unit price, rate) as one line with their quantity, in first-seen order."""
    counts: dict[tuple[str, int, int], int] = {}
    for item in items:
        key = (item.label, item.unit_cents, item.vat_rate_bp)
        counts[key] = counts.get(key, 0) + item.quantity
    return [Item(label, quantity, unit, rate) for (label, unit, rate), quantity in counts.items()]


def compute(items: list[Item]) -> Computed:
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_rate[item.vat_rate_bp].append(index)
    nets = [0] * len(items)
    breakdown = []
    for rate in sorted(by_rate):
        indexes = by_rate[rate]
        gross = sum(items[i].gross_cents for i in indexes)
        net = net_of(gross, rate)
        for i, part in zip(indexes, share(net, [items[i].gross_cents for i in indexes]), strict=True):
            nets[i] = part
        breakdown.append({"vat_rate_bp": rate, "net_cents": net, "vat_cents": gross - net, "gross_cents": gross})
    lines = [
        {"label": item.label, "quantity": item.quantity, "unit_cents": item.unit_cents,
         "vat_rate_bp": item.vat_rate_bp, "net_cents": nets[i], "vat_cents": item.gross_cents - nets[i],
         "gross_cents": item.gross_cents}
        for i, item in enumerate(items)
    ]
    net_total = sum(row["net_cents"] for row in breakdown)
    gross_total = sum(row["gross_cents"] for row in breakdown)
    return Computed(lines, breakdown, net_total, gross_total - net_total, gross_total)
