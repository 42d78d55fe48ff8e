"""What an import reads of a payout, whatever the source (Stripe's API, a CSV file), before
anything is written: plain data the services match and store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ParsedItem:
    psp_id: str  # unique within its payout
    kind: str  # PayoutItemKind
    gross_cents: int
    fee_cents: int
    net_cents: int
    psp_reference: str = ""  # shown, and the first key it is matched by
    # every reference it may be known by on our side: a payment's or refund's psp_reference or
    # our own reference (PayPal's invoice number, Stripe's metadata)
    keys: tuple[str, ...] = ()
    description: str = ""
    booked_on: date | None = None
    currency: str = "EUR"


@dataclass
class ParsedPayout:
    psp_id: str
    arrival_date: date
    amount_cents: int
    state: str = "paid"
    currency: str = "EUR"
    items: list[ParsedItem] = field(default_factory=list)
